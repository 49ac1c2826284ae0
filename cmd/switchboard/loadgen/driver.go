// Package loadgen drives a Switchboard webhook with signed Account
// Activity DM deliveries, as Twitter sends them, and measures how fast and
// how reliably they are acknowledged. It also holds what the measurements
// are compared with: a webhook that only verifies signatures, and a
// pgbench script of the SQL one ingest issues; and a check, through the
// API, that every acknowledged DM was stored exactly once and routed.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/schollz/progressbar/v3"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// Target is the webhook the deliveries go to.
type Target struct {
	// URL is the webhook's URL: an application's callback URL.
	URL string
	// ConsumerSecret signs the deliveries, as Twitter does with the
	// application's consumer secret.
	ConsumerSecret string
	// Handles are the Twitter user ids of the handles the DMs are sent to
	// (for_user_id); deliveries go to them in turn.
	Handles []string
}

// Options shape the load.
type Options struct {
	// Rate is the target deliveries per second, paced open loop; 0 sends
	// as fast as the Concurrency senders are answered.
	Rate        float64
	Concurrency int
	// Customers is the number of distinct senders; deliveries cycle
	// through them, so each customer's conversation gets several DMs.
	Customers int
	// Count ends the run after this many deliveries; when 0, Duration does.
	Count    int
	Duration time.Duration
	// Warmup is sent before the measured part of the run, Duration then
	// follows it: its deliveries are stored and checked like any, but
	// their latencies and their time are left out of the figures, which
	// then describe the steady state rather than connection pools filling,
	// statements being prepared and first conversations starting.
	Warmup time.Duration
	// Redeliver is how many more times a delivery that was not
	// acknowledged is sent again, as Twitter does, RedeliverAfter apart.
	Redeliver      int
	RedeliverAfter time.Duration
	// Progress receives a progress bar; nil shows none.
	Progress io.Writer
	// RunID keeps this run's event and customer ids apart from other
	// runs' against the same service; 0 takes it from the clock.
	RunID  int64
	Client *http.Client
}

func (o Options) validate() error {
	switch {
	case o.Rate < 0:
		return errors.New("the rate must not be negative")
	case o.Concurrency < 1:
		return errors.New("the concurrency must be at least 1")
	case o.Customers < 1:
		return errors.New("at least one customer is needed")
	case o.Count < 0 || o.Duration < 0 || o.Warmup < 0:
		return errors.New("the count, the duration and the warm-up must not be negative")
	case o.Count == 0 && o.Duration == 0:
		return errors.New("give a count or a duration")
	case o.Redeliver < 0:
		return errors.New("redeliveries must not be negative")
	}
	return nil
}

// Event is one DM the run delivered (or tried to).
type Event struct {
	ID         string // the DM event id
	CustomerID string // the sender's Twitter user id
	HandleID   string // the recipient handle's Twitter user id
	Acked      bool   // the webhook answered 200 to one of its attempts
}

// Result is what a run measured.
type Result struct {
	// Sent counts POSTs, redeliveries included.
	Sent int
	// Acknowledged counts events answered 200; Failed those never were.
	Acknowledged, Failed int
	// Elapsed is the measured part of the run, after the warm-up.
	Elapsed time.Duration
	// Measured counts the acknowledged events due after the warm-up;
	// WarmupEvents those due during it.
	Measured, WarmupEvents int
	Warmup                 time.Duration
	// Latency holds, in microseconds, the time from each acknowledged
	// event's scheduled send (open loop) or its first send (as fast as
	// possible) to the 200 that acknowledged it, after the warm-up.
	Latency *hdrhistogram.Histogram
	// OpenLoop is set when the run was paced at a rate.
	OpenLoop bool
	Events   []Event
	// Failures counts the answers other than 200 by status (or error).
	Failures map[string]int
}

// Throughput is acknowledged events per second after the warm-up.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Measured) / r.Elapsed.Seconds()
}

// Percentile is a latency percentile (0 to 100).
func (r Result) Percentile(p float64) time.Duration {
	return time.Duration(r.Latency.ValueAtPercentile(p)) * time.Microsecond
}

// Max is the highest latency.
func (r Result) Max() time.Duration { return time.Duration(r.Latency.Max()) * time.Microsecond }

// Report prints the result under a title.
func (r Result) Report(w io.Writer, title string) {
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "  deliveries:   %d sent (%d redelivered), %d acknowledged, %d failed\n",
		r.Sent, r.Sent-len(r.Events), r.Acknowledged, r.Failed)
	if r.Warmup > 0 {
		fmt.Fprintf(w, "  warm-up:      %d deliveries due in the first %s, stored and checked, not measured\n", r.WarmupEvents, r.Warmup)
	}
	fmt.Fprintf(w, "  throughput:   %.1f acknowledged/s over %s\n", r.Throughput(), r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  latency:      p50 %s · p90 %s · p99 %s · max %s\n",
		ms(r.Percentile(50)), ms(r.Percentile(90)), ms(r.Percentile(99)), ms(r.Max()))
	if r.OpenLoop {
		fmt.Fprintln(w, "                (open loop: from each delivery's scheduled send time, so time queued behind slow answers counts)")
	} else {
		fmt.Fprintln(w, "                (as fast as possible: from each delivery's first send)")
	}
	for k, n := range r.Failures {
		fmt.Fprintf(w, "  not acknowledged: %d × %s\n", n, k)
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

// job is one event to deliver, with the time it is due.
type job struct {
	seq int
	due time.Time
}

// worker holds one sender's share of the result, merged at the end.
type worker struct {
	latency          *hdrhistogram.Histogram
	events           []Event
	sent             int
	measured, warmup int
	failures         map[string]int
}

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3)
}

// Run delivers the load to target and measures it. It stops early, with
// what was measured so far, when ctx is done.
func Run(ctx context.Context, target Target, o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	if target.URL == "" || target.ConsumerSecret == "" || len(target.Handles) == 0 {
		return Result{}, errors.New("loadgen: the target needs a webhook URL, a consumer secret and at least one handle")
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency}}
	}
	if o.RedeliverAfter <= 0 {
		o.RedeliverAfter = 200 * time.Millisecond
	}
	runID := o.RunID
	if runID == 0 {
		runID = time.Now().UnixMilli()
	}
	// Twitter's ids are snowflakes: milliseconds in the high bits. Event
	// ids count up from this run's base, and so do the customers' ids.
	base := runID << 22
	g := &generator{base: base, target: target, customers: o.Customers}

	total := int64(o.Count)
	if o.Count == 0 {
		total = -1
		if o.Rate > 0 {
			total = int64(o.Rate * (o.Warmup + o.Duration).Seconds())
		}
	}
	var bar *progressbar.ProgressBar
	if o.Progress != nil {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(o.Progress), progressbar.OptionSetDescription("delivering"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("DMs"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	// As fast as possible, a job is handed over only when a sender is
	// free, so that none is sent after the duration; paced, the due times
	// are fixed however late the jobs are taken.
	var jobs chan job
	if o.open() {
		jobs = make(chan job, 4096)
	} else {
		jobs = make(chan job)
	}
	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	go dispatch(ctx, jobs, o, start)
	workers := make([]*worker, o.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{latency: newHistogram(), failures: map[string]int{}}
		workers[i] = w
		wg.Go(func() {
			for j := range jobs {
				ev, body := g.event(j.seq, j.due)
				if !o.open() {
					j.due = time.Now()
				}
				ev.Acked = w.deliver(ctx, o, target, body)
				switch {
				case j.due.Before(measureFrom):
					w.warmup++
				case ev.Acked:
					w.measured++
					_ = w.latency.RecordValue(max(time.Since(j.due).Microseconds(), 1))
				}
				w.events = append(w.events, ev)
				if bar != nil {
					_ = bar.Add(1)
				}
			}
		})
	}
	wg.Wait()
	res := Result{Elapsed: max(time.Since(measureFrom), 0), Warmup: o.Warmup, Latency: newHistogram(), OpenLoop: o.open(), Failures: map[string]int{}}
	if bar != nil {
		_ = bar.Finish()
	}
	for _, w := range workers {
		res.Latency.Merge(w.latency)
		res.Sent += w.sent
		res.Measured += w.measured
		res.WarmupEvents += w.warmup
		res.Events = append(res.Events, w.events...)
		for k, n := range w.failures {
			res.Failures[k] += n
		}
	}
	for _, ev := range res.Events {
		if ev.Acked {
			res.Acknowledged++
		} else {
			res.Failed++
		}
	}
	return res, nil
}

func (o Options) open() bool { return o.Rate > 0 }

// dispatch hands out the jobs: at the rate, each due at its own time on
// the schedule however late it is picked up, or as fast as they are taken.
func dispatch(ctx context.Context, jobs chan<- job, o Options, start time.Time) {
	defer close(jobs)
	deadline := time.Time{}
	if o.Duration > 0 {
		deadline = start.Add(o.Warmup + o.Duration)
	}
	for seq := 0; o.Count == 0 || seq < o.Count; seq++ {
		due := time.Now()
		if o.open() {
			due = start.Add(time.Duration(float64(seq) / o.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		if !deadline.IsZero() && !due.Before(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case jobs <- job{seq: seq, due: due}:
		}
	}
}

// deliver POSTs body, signed, until it is answered 200 or the
// redeliveries are spent; it reports whether it was acknowledged.
func (w *worker) deliver(ctx context.Context, o Options, target Target, body []byte) bool {
	sig := twitter.Sign(target.ConsumerSecret, body)
	for attempt := 0; attempt <= o.Redeliver; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(o.RedeliverAfter)
			select {
			case <-ctx.Done():
				t.Stop()
				return false
			case <-t.C:
			}
		}
		w.sent++
		status, err := post(ctx, o.Client, target.URL, sig, body)
		switch {
		case err != nil:
			w.failures["error: "+err.Error()]++
		case status == http.StatusOK:
			return true
		default:
			w.failures["HTTP "+strconv.Itoa(status)]++
		}
		if ctx.Err() != nil {
			return false
		}
	}
	return false
}

func post(ctx context.Context, c *http.Client, url, sig string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(twitter.SignatureHeader, sig)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// generator makes the run's events: event seq comes from customer
// seq % customers to handle seq % handles.
type generator struct {
	base      int64
	target    Target
	customers int
}

func (g *generator) event(seq int, at time.Time) (Event, []byte) {
	c := seq % g.customers
	customer := twittertest.User{ID: strconv.FormatInt(g.base+int64(c), 10), ScreenName: "load_" + strconv.Itoa(c),
		Name: "Load Customer " + strconv.Itoa(c), FollowersCount: int64(c*37) % 20000, Lang: "en", CreatedAt: time.Unix(1262304000, 0)}
	handle := twittertest.User{ID: g.target.Handles[seq%len(g.target.Handles)], ScreenName: "handle", Name: "Handle"}
	id := g.base + int64(seq)
	// What the customers write; one asks for a refund, so that a keyword
	// rule has something to match.
	texts := [...]string{"Where is my order?", "I would like a refund for my last order", "The parcel arrived damaged", "Thanks, that helped!"}
	// Encoding these plain values cannot fail.
	body, _ := twittertest.DeliveryBody(handle.ID, twittertest.TextDM{EventID: id, CreatedAt: at, From: customer, To: handle,
		Text: texts[(seq/g.customers)%len(texts)]})
	return Event{ID: strconv.FormatInt(id, 10), CustomerID: customer.ID, HandleID: handle.ID}, body
}
