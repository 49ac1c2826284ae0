package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

const testSecret = "test-consumer-secret"

// recordingWebhook verifies and parses deliveries as the real webhook
// does, answering 500 to the first attempt of every fifth event and to
// every attempt of the events in refuse; it records what it accepted.
type recordingWebhook struct {
	t        *testing.T
	refuse   map[string]bool
	mu       sync.Mutex
	attempts map[string]int
	accepted []twitter.DirectMessage
}

func (h *recordingWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !twitter.VerifySignature(testSecret, body, r.Header.Get(twitter.SignatureHeader)) {
		h.t.Errorf("a delivery's signature does not verify")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	d, err := twitter.ParseDelivery(body)
	if err != nil || len(d.DirectMessages) != 1 {
		h.t.Errorf("a delivery does not parse as one DM: %v %+v", err, d)
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	m := d.DirectMessages[0]
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts[m.ID]++
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	if h.refuse[m.ID] || (n%5 == 0 && h.attempts[m.ID] == 1) {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	h.accepted = append(h.accepted, m)
}

func TestRunDeliversCountsAndRedelivers(t *testing.T) {
	const runID = 1000 // event ids are runID<<22 + seq
	base := int64(runID) << 22
	refused := strconv.FormatInt(base+7, 10)
	hook := &recordingWebhook{t: t, refuse: map[string]bool{refused: true}, attempts: map[string]int{}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	tests := []struct {
		name      string
		redeliver int
		// sent counts POSTs; acked and failed count events.
		sent, acked, failed int
	}{
		// 40 events; ids base+0, +5, …, +35 fail once (8 events); base+7 always.
		{"without redelivery", 0, 40, 31, 9},
		{"with redelivery", 2, 40 + 8 + 2, 39, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook.mu.Lock()
			hook.attempts, hook.accepted = map[string]int{}, nil
			hook.mu.Unlock()
			res, err := Run(t.Context(), Target{URL: srv.URL, ConsumerSecret: testSecret, Handles: []string{"11", "22"}},
				Options{Concurrency: 3, Customers: 4, Count: 40, Redeliver: tt.redeliver, RedeliverAfter: time.Millisecond, RunID: runID})
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != tt.sent || res.Acknowledged != tt.acked || res.Failed != tt.failed || len(res.Events) != 40 {
				t.Errorf("sent %d, acknowledged %d, failed %d, events %d; want %d, %d, %d, 40",
					res.Sent, res.Acknowledged, res.Failed, len(res.Events), tt.sent, tt.acked, tt.failed)
			}
			if got := res.Latency.TotalCount(); got != int64(tt.acked) {
				t.Errorf("the histogram holds %d latencies, want one per acknowledged event (%d)", got, tt.acked)
			}
			if res.Failures["HTTP 500"] == 0 {
				t.Errorf("the refusals are not reported: %v", res.Failures)
			}
			// Every event the webhook accepted is one the result says was
			// acknowledged, with its customer and handle.
			byID := map[string]Event{}
			customers := map[string]bool{}
			for _, ev := range res.Events {
				if _, dup := byID[ev.ID]; dup {
					t.Errorf("event id %s was used twice", ev.ID)
				}
				byID[ev.ID] = ev
				customers[ev.CustomerID] = true
			}
			if len(customers) != 4 {
				t.Errorf("%d distinct customers, want 4", len(customers))
			}
			hook.mu.Lock()
			defer hook.mu.Unlock()
			if len(hook.accepted) != tt.acked {
				t.Errorf("the webhook accepted %d events, the result says %d", len(hook.accepted), tt.acked)
			}
			for _, m := range hook.accepted {
				ev := byID[m.ID]
				if !ev.Acked || m.SenderID != ev.CustomerID || m.RecipientID != ev.HandleID || m.ForUserID != ev.HandleID || m.Text == "" {
					t.Errorf("accepted DM %+v does not match the event %+v", m, ev)
				}
			}
			if byID[refused].Acked {
				t.Errorf("the always refused event %s is reported acknowledged", refused)
			}
		})
	}
}

// TestRunMeasuresFromTheSchedule holds the first delivery's answer for
// 100ms while the next ones are due every millisecond: open loop, their
// latencies count the wait behind it, so even the median is at least
// 100ms less the 19ms by which the last one is due.
func TestRunMeasuresFromTheSchedule(t *testing.T) {
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		once.Do(func() { time.Sleep(100 * time.Millisecond) })
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Target{URL: srv.URL, ConsumerSecret: testSecret, Handles: []string{"1"}},
		Options{Rate: 1000, Concurrency: 1, Customers: 1, Count: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Acknowledged != 20 || !res.OpenLoop {
		t.Fatalf("acknowledged %d, open loop %v; want 20, true", res.Acknowledged, res.OpenLoop)
	}
	if p50 := res.Percentile(50); p50 < 80*time.Millisecond {
		t.Errorf("p50 is %s: the wait behind the slow answer is not counted", p50)
	}
	var out strings.Builder
	res.Report(&out, "Test")
	for _, want := range []string{"20 sent (0 redelivered), 20 acknowledged, 0 failed", "p99", "open loop: from each delivery's scheduled send time"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunLeavesTheWarmupOut holds the first delivery's answer for 300ms,
// within a 200ms warm-up at 100 deliveries/s: the deliveries due in the
// warm-up are sent and acknowledged but left out of the figures, so the
// slow start shows in none of the percentiles, and the throughput counts
// the measured deliveries only.
func TestRunLeavesTheWarmupOut(t *testing.T) {
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		once.Do(func() { time.Sleep(300 * time.Millisecond) })
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Target{URL: srv.URL, ConsumerSecret: testSecret, Handles: []string{"1"}},
		Options{Rate: 100, Concurrency: 4, Customers: 3, Warmup: 200 * time.Millisecond, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Acknowledged != 120 || res.WarmupEvents != 20 || res.Measured != 100 || res.Latency.TotalCount() != 100 {
		t.Fatalf("acknowledged %d, warm-up %d, measured %d, latencies %d; want 120, 20, 100, 100",
			res.Acknowledged, res.WarmupEvents, res.Measured, res.Latency.TotalCount())
	}
	if res.Max() >= 250*time.Millisecond {
		t.Errorf("max latency %s: the warm-up's slow answer was measured", res.Max())
	}
	if res.Elapsed < time.Second-10*time.Millisecond || res.Throughput() != float64(res.Measured)/res.Elapsed.Seconds() {
		t.Errorf("throughput %.1f/s over %s; want the measured deliveries over the measured second", res.Throughput(), res.Elapsed)
	}
	var out strings.Builder
	res.Report(&out, "Test")
	if !strings.Contains(out.String(), "warm-up:      20 deliveries due in the first 200ms, stored and checked, not measured") {
		t.Errorf("the report does not tell the warm-up:\n%s", out.String())
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	target := Target{URL: "http://127.0.0.1:1", ConsumerSecret: "s", Handles: []string{"1"}}
	for _, o := range []Options{
		{Concurrency: 0, Customers: 1, Count: 1},
		{Concurrency: 1, Customers: 0, Count: 1},
		{Concurrency: 1, Customers: 1},
		{Concurrency: 1, Customers: 1, Count: 1, Rate: -1},
		{Concurrency: 1, Customers: 1, Count: 1, Warmup: -time.Second},
	} {
		if _, err := Run(t.Context(), target, o); err == nil {
			t.Errorf("options %+v were accepted", o)
		}
	}
	if _, err := Run(t.Context(), Target{URL: "http://x"}, Options{Concurrency: 1, Customers: 1, Count: 1}); err == nil {
		t.Error("a target without secret and handles was accepted")
	}
}

func TestSignatureOnly(t *testing.T) {
	srv := httptest.NewServer(SignatureOnly(testSecret))
	defer srv.Close()
	body := []byte(`{"for_user_id":"1","direct_message_events":[]}`)
	tests := []struct {
		name, method, signature string
		body                    []byte
		want                    int
	}{
		{"signed", http.MethodPost, twitter.Sign(testSecret, body), body, http.StatusOK},
		{"another secret", http.MethodPost, twitter.Sign("other", body), body, http.StatusUnauthorized},
		{"no signature", http.MethodPost, "", body, http.StatusUnauthorized},
		{"body changed after signing", http.MethodPost, twitter.Sign(testSecret, body), append([]byte(" "), body...), http.StatusUnauthorized},
		{"GET", http.MethodGet, "", nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.URL, strings.NewReader(string(tt.body)))
			if tt.signature != "" {
				req.Header.Set(twitter.SignatureHeader, tt.signature)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}
