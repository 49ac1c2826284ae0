package engine

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// The scheduler's jobs keep asynchronous work moving. Each is a method of
// Service that takes the time from its caller's clock and a batch size, and
// works per work stream (whose timers decide what is due): it claims a
// batch of due rows (SweepStore.ClaimDue: one statement, FOR UPDATE SKIP
// LOCKED on PostgreSQL), acts on them with the same functions the agents'
// workflow uses, and commits the batch with its notifications, then claims
// the next until a batch comes back short. Two schedulers on one database
// therefore never act on one conversation for the same due time; a process
// that dies mid-run leaves its uncommitted batch, and everything after it,
// to the next run; and a batch that fails is retried row by row, so that a
// conversation the job cannot handle holds up no other. cmd/switchboard
// calls the jobs on cron schedules.
//
// Benchmark: BenchmarkRequeueSweep (scheduler_bench_test.go), PostgreSQL
// 15 on the 2-core development machine, quiet (load average about 2),
// 100,000 conversations of which 1,000 are due, batches of 100; runs of
// -benchtime 5x, time per operation:
//
//	SWITCHBOARD_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./engine -run '^$' -bench RequeueSweep -benchtime 5x -v
//
//	find_due   (the due selection, 1,000 rows)     0.53–0.66 ms  Index Only Scan using conversations_requeue_due_idx
//	full_scan  (the same rows, index scans off)    18 ms         Parallel Seq Scan on conversations, then Sort
//	bare_sql   (claim + mark in 10 statements)     45–56 ms (median 55)
//	sweep      (RequeueWaiting: claim, rules,      142–170 ms (median 150)
//	            decision, offer, save)
//
// Ratios: finding the due rows costs 1/28 to 1/34 of the table scan (target
// met: an index range scan in due order, no sort); the whole sweep takes
// 0.15 s (target under 1 s: met); the sweep is 2.7x the bare SQL of the
// same run by the medians, 2.6x to 3.8x run by run (target within 3x: met by
// the median, not by every run). Per batch the sweep issues about nine
// statements (claim, latest customer messages, rule-set version, handle,
// application and queue, one candidate-agents look per queue, the
// conversations saved in one upsert, the decisions in one INSERT), the two
// large ones written as plain multi-row SQL on the transaction's
// connection; the rest is rule evaluation. Before the batching in batchTx it
// took about 1 s, 12x the bare SQL; before gorm stopped formatting every
// statement for its logger and the batch writes bypassed its struct
// machinery, 4.3x.

// SweepStats says what one run of a job did.
type SweepStats struct {
	// Examined counts the rows the job claimed as due.
	Examined int
	// Changed counts the rows it changed.
	Changed int
}

func (a *SweepStats) add(b SweepStats) {
	a.Examined += b.Examined
	a.Changed += b.Changed
}

// maxBatchesPerRun bounds a run, so that a bug that leaves rows due cannot
// keep it going forever; the next run carries on.
const maxBatchesPerRun = 10_000

// sweepActor is who the audit log names for the scheduler's changes.
const sweepActor = "scheduler"

// actFunc is what a job does with one claimed conversation, inside the batch's
// transaction; it saves the conversation itself and reports whether it
// changed anything.
type actFunc func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error)

// sweep runs one job over every work stream: claim gives a work stream's
// claim (ok false skips the work stream), act handles each conversation.
//
// A batch whose transaction fails (a conversation the job cannot handle)
// is rolled back and retried one conversation per transaction, so that one
// bad row holds up no other; the conversations that still fail stay due,
// are logged, and make the run return an error after it has done the rest.
func (s *Service) sweep(ctx context.Context, job DueJob, now time.Time, batch int, claim func(WorkStream) (DueClaim, bool), act actFunc) (SweepStats, error) {
	var stats SweepStats
	if batch <= 0 {
		batch = 100
	}
	streams, err := s.allWorkStreams(ctx)
	if err != nil {
		return stats, fmt.Errorf("%s sweep: %w", job, err)
	}
	var failed int
	var firstErr error
	for _, ws := range streams {
		c, ok := claim(ws)
		if !ok {
			continue
		}
		c.Job, c.WorkStreamID, c.Now, c.Limit = job, ws.ID, now, batch
		for range maxBatchesPerRun {
			got, claimed, err := s.sweepBatch(ctx, c, ws, act)
			if err != nil && len(claimed) == 0 {
				return stats, fmt.Errorf("%s sweep of work stream %s: %w", job, ws.ID, err)
			}
			if err != nil {
				s.log.WarnContext(ctx, "a scheduler batch failed; retrying its conversations one by one", "job", job, "work_stream_id", ws.ID, "error", err)
				got = SweepStats{Examined: len(claimed)}
				for _, id := range claimed {
					one := c
					one.IDs, one.Limit = []ConversationID{id}, 1
					g, _, err := s.sweepBatch(ctx, one, ws, act)
					if ctx.Err() != nil {
						return stats, fmt.Errorf("%s sweep of work stream %s: %w", job, ws.ID, ctx.Err())
					}
					if err != nil {
						failed++
						firstErr = cmp.Or(firstErr, err)
						s.log.ErrorContext(ctx, "the scheduler cannot handle a conversation; it stays due", "job", job, "conversation_id", id, "error", err)
						continue
					}
					got.Changed += g.Changed
				}
				if got.Changed == 0 { // nothing but failures: leave them to the next run
					stats.add(got)
					break
				}
			}
			stats.add(got)
			if got.Examined < batch {
				break
			}
		}
	}
	if failed > 0 {
		return stats, fmt.Errorf("%s sweep: %d conversations failed and stay due; the first: %w", job, failed, firstErr)
	}
	return stats, nil
}

// sweepBatch claims one batch and acts on it in one transaction. It returns
// the ids it claimed, also when the transaction failed after the claim.
func (s *Service) sweepBatch(ctx context.Context, c DueClaim, ws WorkStream, act actFunc) (SweepStats, []ConversationID, error) {
	var got SweepStats
	var claimed []ConversationID
	err := s.change(ctx, func(inner Tx, fx *effects) error {
		got, claimed = SweepStats{}, nil
		due, err := inner.ClaimDue(ctx, c)
		if err != nil {
			return err
		}
		got.Examined = len(due)
		for _, d := range due {
			claimed = append(claimed, d.ID)
		}
		tx, err := s.newBatchTx(ctx, inner, ws, due, c.Job == DueRequeue)
		if err != nil {
			return err
		}
		for i := range due {
			changed, err := act(ctx, tx, fx, ws, &due[i], c.Now)
			if err != nil {
				return fmt.Errorf("conversation %s: %w", due[i].ID, err)
			}
			if changed {
				got.Changed++
			}
		}
		return tx.flush(ctx)
	})
	return got, claimed, err
}

// allWorkStreams lists every work stream.
func (s *Service) allWorkStreams(ctx context.Context) ([]WorkStream, error) {
	var out []WorkStream
	p := Page{Limit: MaxPageLimit}
	for {
		l, err := s.store.ListWorkStreams(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("list work streams: %w", err)
		}
		out = append(out, l.Items...)
		if l.Next == "" {
			return out, nil
		}
		p.After = l.Next
	}
}

// save writes a conversation the scheduler changed.
func (s *Service) save(ctx context.Context, tx ConversationStore, c *Conversation, now time.Time) error {
	c.UpdatedAt = now
	return tx.UpdateConversation(ctx, *c)
}
