package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// recordingCommits is a commit function that records the groups it is
// given and, while hold is set, blocks each group until released.
type recordingCommits struct {
	mu      sync.Mutex
	groups  [][]string // the external ids of each group, in order
	started chan struct{}
	release chan struct{}
}

func newRecordingCommits() *recordingCommits {
	return &recordingCommits{started: make(chan struct{}, 100), release: make(chan struct{})}
}

func (r *recordingCommits) commit(_ context.Context, items []groupItem) ([]ingestOutcome, int) {
	ids := make([]string, len(items))
	for k, it := range items {
		ids[k] = it.msg().ExternalID
	}
	r.mu.Lock()
	r.groups = append(r.groups, ids)
	r.mu.Unlock()
	r.started <- struct{}{}
	<-r.release
	outs := make([]ingestOutcome, len(items))
	for k, it := range items {
		outs[k].res.MessageID = MessageID("m-" + it.msg().ExternalID)
	}
	return outs, 0
}

func (r *recordingCommits) recorded() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.groups)
}

// msgs returns n messages of the customer named prefix.
func msgs(prefix string, n int) []InboundMessage {
	out := make([]InboundMessage, n)
	for i := range out {
		out[i].ExternalID = fmt.Sprintf("%s%03d", prefix, i)
		out[i].Customer.ExternalID = prefix
	}
	return out
}

// queuedMessages waits until n messages wait in g's queue.
func queuedMessages(t *testing.T, g *groupCommitter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		q := g.queued
		g.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitterGroupsWhatArrivesDuringACommit(t *testing.T) {
	rec := newRecordingCommits()
	g := newGroupCommitter(GroupCommit{MaxBatch: 64}, rec.commit, nil)
	ctx := context.Background()

	var wg sync.WaitGroup
	results := make([][]ingestOutcome, 10)
	wg.Go(func() { results[0] = g.ingest(ctx, msgs("a", 1)) })
	<-rec.started // the first delivery commits at once, alone
	for c := 1; c < 10; c++ {
		wg.Go(func() { results[c] = g.ingest(ctx, msgs(string(rune('a'+c)), 3)) })
	}
	queuedMessages(t, g, 27)
	close(rec.release)
	wg.Wait()

	groups := rec.recorded()
	if len(groups) != 2 || len(groups[0]) != 1 || len(groups[1]) != 27 {
		t.Fatalf("groups = %v; want the first delivery alone, then the 27 DMs that came during its commit together", groups)
	}
	for c := 1; c < 10; c++ {
		p := string(rune('a' + c))
		at := slices.Index(groups[1], p+"000")
		if at < 0 || !slices.Equal(groups[1][at:at+3], []string{p + "000", p + "001", p + "002"}) {
			t.Errorf("delivery %s's DMs are not in order in %v", p, groups[1])
		}
		for i, o := range results[c] {
			if want := MessageID(fmt.Sprintf("m-%s%03d", p, i)); o.res.MessageID != want || o.err != nil {
				t.Errorf("delivery %s DM %d answered %+v, want %s", p, i, o, want)
			}
		}
	}
}

func TestGroupCommitterBoundsTheGroup(t *testing.T) {
	rec := newRecordingCommits()
	close(rec.release)
	g := newGroupCommitter(GroupCommit{MaxBatch: 64}, rec.commit, nil)
	out := g.ingest(context.Background(), msgs("big", 200))
	var sizes []int
	var order []string
	for _, grp := range rec.recorded() {
		sizes = append(sizes, len(grp))
		order = append(order, grp...)
	}
	if !slices.Equal(sizes, []int{64, 64, 64, 8}) {
		t.Errorf("a delivery of 200 DMs went in groups of %v; want 64, 64, 64, 8", sizes)
	}
	if !slices.IsSorted(order) || len(out) != 200 || out[199].res.MessageID != "m-big199" {
		t.Errorf("the DMs were not written in order, or not all answered: %d answers", len(out))
	}
}

func TestGroupCommitterDropsACallerThatGaveUpBeforeItsTurn(t *testing.T) {
	rec := newRecordingCommits()
	g := newGroupCommitter(GroupCommit{}, rec.commit, nil)
	var wg sync.WaitGroup
	wg.Go(func() { g.ingest(context.Background(), msgs("first", 1)) })
	<-rec.started
	ctx, cancel := context.WithCancel(context.Background())
	var gone []ingestOutcome
	wg.Go(func() { gone = g.ingest(ctx, msgs("gone", 2)) })
	queuedMessages(t, g, 2)
	cancel()
	close(rec.release)
	wg.Wait()
	if groups := rec.recorded(); len(groups) != 1 {
		t.Errorf("groups = %v; the cancelled delivery should not have been written", groups)
	}
	if len(gone) != 2 || gone[0].err == nil || gone[1].err == nil {
		t.Errorf("the cancelled delivery was answered %+v; want its context's error for each DM", gone)
	}
}

func TestGroupCommitterWaitsOnlyBesideAnotherGroup(t *testing.T) {
	rec := newRecordingCommits()
	close(rec.release)
	g := newGroupCommitter(GroupCommit{MaxBatch: 8, Groups: 2, MaxWait: time.Hour}, rec.commit, nil)
	// Alone, a delivery never waits for company, however long MaxWait is.
	done := make(chan struct{})
	go func() { g.ingest(context.Background(), msgs("lone", 1)); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a lone delivery waited for others to join its group")
	}
}

func TestGroupCommitterWaitsBesideACommittingGroup(t *testing.T) {
	rec := newRecordingCommits()
	g := newGroupCommitter(GroupCommit{MaxBatch: 3, Groups: 2, MaxWait: time.Hour}, rec.commit, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() { g.ingest(ctx, msgs("a", 1)) })
	<-rec.started
	// With a group committing, the next one waits for company until it is
	// full (or MaxWait has passed).
	wg.Go(func() { g.ingest(ctx, msgs("b", 1)) })
	queuedMessages(t, g, 1)
	wg.Go(func() { g.ingest(ctx, msgs("c", 2)) })
	<-rec.started
	close(rec.release)
	wg.Wait()
	groups := rec.recorded()
	if len(groups) != 2 || !slices.Equal(groups[1], []string{"b000", "c000", "c001"}) {
		t.Errorf("groups = %v; want [a000] then [b000 c000 c001]", groups)
	}
}

func TestGroupCommitterKeepsACustomerInOneGroupAtATime(t *testing.T) {
	rec := newRecordingCommits()
	g := newGroupCommitter(GroupCommit{MaxBatch: 64, Groups: 2}, rec.commit, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() { g.ingest(ctx, msgs("x", 1)) })
	<-rec.started
	// x's next DM waits for the group that holds x's first; y's need not.
	wg.Go(func() {
		next := msgs("x", 2)[1:]
		g.ingest(ctx, next)
	})
	queuedMessages(t, g, 1)
	wg.Go(func() { g.ingest(ctx, msgs("y", 1)) })
	<-rec.started
	if groups := rec.recorded(); len(groups) != 2 || !slices.Equal(groups[1], []string{"y000"}) {
		t.Fatalf("groups = %v; want [x000] and [y000] side by side, x001 waiting for x000's", groups)
	}
	close(rec.release)
	wg.Wait()
	if groups := rec.recorded(); len(groups) != 3 || !slices.Equal(groups[2], []string{"x001"}) {
		t.Errorf("groups = %v; want x001 last, alone", groups)
	}
}
