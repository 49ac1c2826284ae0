package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/switchboardhq/switchboard/engine"
)

// sweepBatch is how many rows a job claims and commits at a time.
const sweepBatch = 100

// schedulerMetrics counts what the scheduler's runs did, per job.
type schedulerMetrics struct {
	runs     *prometheus.CounterVec
	examined *prometheus.CounterVec
	changed  *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

func newSchedulerMetrics(reg prometheus.Registerer) (*schedulerMetrics, error) {
	m := &schedulerMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_scheduler_runs_total",
			Help: "Runs of the scheduler's jobs, by job and result (ok or error)."}, []string{"job", "result"}),
		examined: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_scheduler_examined_total",
			Help: "Rows the scheduler's jobs claimed as due, by job."}, []string{"job"}),
		changed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_scheduler_changed_total",
			Help: "Rows the scheduler's jobs changed, by job."}, []string{"job"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_scheduler_run_seconds",
			Help: "How long a run of a scheduler job took, by job.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"job"}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.examined, m.changed, m.seconds} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register scheduler metrics: %w", err)
		}
	}
	return m, nil
}

// job is one of the engine's scheduler jobs.
type job struct {
	name string
	run  func(ctx context.Context, now time.Time) (engine.SweepStats, error)
}

// scheduler runs the engine's jobs on cron schedules: the sweep (offer
// timeout, requeue, stall, agents gone, queues that opened) and auto-close. A run never
// overlaps itself: a tick that finds the previous run still going is
// skipped.
type scheduler struct {
	cron    *cron.Cron
	clock   engine.Clock
	log     *slog.Logger
	metrics *schedulerMetrics
	ctx     context.Context // cancelled when the scheduler stops
	cancel  context.CancelFunc
}

// startScheduler starts the jobs as cfg schedules them and returns the
// function that stops them, waiting for a running job to end. With
// SWITCHBOARD_SCHEDULER=off it starts nothing. A failure to start is
// logged, and the service goes on serving HTTP.
func startScheduler(cfg *config, svc *engine.Service, clock engine.Clock, log *slog.Logger, reg prometheus.Registerer) (stop func()) {
	if !cfg.schedulerOn {
		log.Info("scheduler off: this replica runs no jobs (SWITCHBOARD_SCHEDULER=off)")
		return func() {}
	}
	s, err := newScheduler(cfg, svc, clock, log, reg)
	if err != nil {
		log.Error("the scheduler did not start", "error", err)
		return func() {}
	}
	s.cron.Start()
	log.Info("scheduler started", "sweep", cfg.ScheduleSweep, "autoclose", cfg.ScheduleAutoClose)
	return s.stop
}

func newScheduler(cfg *config, svc *engine.Service, clock engine.Clock, log *slog.Logger, reg prometheus.Registerer) (*scheduler, error) {
	metrics, err := newSchedulerMetrics(reg)
	if err != nil {
		return nil, err
	}
	log = log.With("component", "scheduler")
	ctx, cancel := context.WithCancel(context.Background())
	s := &scheduler{clock: clock, log: log, metrics: metrics, ctx: ctx, cancel: cancel,
		cron: cron.New(cron.WithLogger(cronLogger{log}), cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))}
	sweep := []job{
		{"offer_timeout", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.TimeOutOffers(ctx, now, sweepBatch)
		}},
		{"requeue", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.RequeueWaiting(ctx, now, sweepBatch)
		}},
		{"stall", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.MarkStalled(ctx, now, sweepBatch, cfg.StallRequeueAfter)
		}},
		{"agents_gone", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.ReleaseGoneAgents(ctx, now, sweepBatch, cfg.AgentStreamGrace)
		}},
		{"open_queues", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.OfferOpenQueues(ctx, now)
		}},
	}
	autoClose := []job{
		{"auto_close", func(ctx context.Context, now time.Time) (engine.SweepStats, error) {
			return svc.AutoClose(ctx, now, sweepBatch)
		}},
	}
	for _, e := range []struct {
		variable, spec string
		jobs           []job
	}{
		{"SWITCHBOARD_SCHEDULE_SWEEP", cfg.ScheduleSweep, sweep},
		{"SWITCHBOARD_SCHEDULE_AUTOCLOSE", cfg.ScheduleAutoClose, autoClose},
	} {
		jobs := e.jobs
		if _, err := s.cron.AddFunc(e.spec, func() { s.runAll(jobs) }); err != nil {
			cancel()
			return nil, fmt.Errorf("%s: %w", e.variable, err)
		}
	}
	return s, nil
}

// runAll runs jobs one after the other, each with the time it starts at.
func (s *scheduler) runAll(jobs []job) {
	for _, j := range jobs {
		if s.ctx.Err() != nil {
			return
		}
		s.runOne(j)
	}
}

// runOne runs a job, then logs and counts what it examined and changed and
// how long it took.
func (s *scheduler) runOne(j job) {
	start := time.Now()
	stats, err := j.run(s.ctx, s.clock.Now())
	took := time.Since(start)
	s.metrics.seconds.WithLabelValues(j.name).Observe(took.Seconds())
	s.metrics.examined.WithLabelValues(j.name).Add(float64(stats.Examined))
	s.metrics.changed.WithLabelValues(j.name).Add(float64(stats.Changed))
	attrs := []any{"job", j.name, "examined", stats.Examined, "changed", stats.Changed, "duration", took}
	switch {
	case err != nil:
		s.metrics.runs.WithLabelValues(j.name, "error").Inc()
		s.log.Error("scheduler job failed; the rows it had not committed wait for the next run", append(attrs, "error", err)...)
	case stats.Examined > 0:
		s.metrics.runs.WithLabelValues(j.name, "ok").Inc()
		s.log.Info("scheduler job ran", attrs...)
	default:
		s.metrics.runs.WithLabelValues(j.name, "ok").Inc()
		s.log.Debug("scheduler job ran", attrs...)
	}
}

// stop stops the schedules, cancels a running job (its batch in progress
// rolls back) and waits for it to return.
func (s *scheduler) stop() {
	done := s.cron.Stop()
	s.cancel()
	<-done.Done()
	s.log.Info("scheduler stopped")
}

// cronLogger lets cron log through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	level := slog.LevelDebug
	if msg == "skip" { // SkipIfStillRunning: the previous run is still going
		level, msg = slog.LevelInfo, "skip: the previous run is still going"
	}
	l.log.Log(context.Background(), level, "cron: "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append(keysAndValues, "error", err)...)
}
