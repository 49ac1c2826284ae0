package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemoRunsTheWholeChannel runs "switchboard demo" for a few seconds and
// checks what it prints: the admin token and URLs, DMs routed to at least
// two queues by name, replies sent to Twitter, requeues and an escalation,
// and a clean stop. The first customer is a VIP whose agent is away for the
// first 15 seconds: requeued every 3 seconds, the conversation is escalated
// by its second requeue, some 6 to 8 seconds in.
func TestDemoRunsTheWholeChannel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service for several seconds")
	}
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(t.Context(), []string{"demo", "--duration", "12s", "--every", "1s", "--pace", "200ms"}, nil, &stdout, &stderr)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("demo did not return within 40 seconds; output so far:\n%s", stdout.String())
	}
	out := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`admin token:\s+demo-[0-9a-f]{32}\n`),
		regexp.MustCompile(`API:\s+http://127\.0\.0\.1:\d+/api/v1\n`),
		regexp.MustCompile(`OpenAPI:\s+http://127\.0\.0\.1:\d+/openapi\.json\n`),
		regexp.MustCompile(`console:\s+http://127\.0\.0\.1:\d+/ `),
		regexp.MustCompile(`Ann\s+General, Billing\s+token \S{20,}`),
		regexp.MustCompile(`You\s+General, Billing\s+token \S{20,}\s+not simulated: sign in to the console`),
		regexp.MustCompile(`fake Twitter:\s+http://127\.0\.0\.1:\d+\n`),
		regexp.MustCompile(`Handle @AcmeHelp signed on through OAuth .*: active\n`),
		regexp.MustCompile(`Demo stopped\.\n$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the output lacks %s:\n%s", want, out)
		}
	}
	final := out[strings.LastIndex(out, "Final:"):]
	queues := regexp.MustCompile(`routed to queues: (.*)\n`).FindStringSubmatch(final)
	if queues == nil {
		t.Fatalf("no final routing line:\n%s", out)
	}
	routed := 0
	for _, m := range regexp.MustCompile(`(General|VIP|Billing|Escalations) (\d+)`).FindAllStringSubmatch(queues[1], -1) {
		if n, _ := strconv.Atoi(m[2]); n > 0 {
			routed++
		}
	}
	if routed < 2 {
		t.Errorf("DMs were routed to %d queues, want at least two: %s", routed, queues[1])
	}
	if m := regexp.MustCompile(`Escalations (\d+)`).FindStringSubmatch(queues[1]); m == nil || m[1] == "0" {
		t.Errorf("no conversation was escalated: %s", queues[1])
	}
	if m := regexp.MustCompile(`requeues (\d+)`).FindStringSubmatch(final); m == nil || m[1] == "0" {
		t.Errorf("no conversation was requeued:\n%s", final)
	}
	sent := regexp.MustCompile(`sent to Twitter (\d+)`).FindStringSubmatch(final)
	if sent == nil || sent[1] == "0" {
		t.Errorf("no reply was sent to Twitter:\n%s", final)
	}
	if strings.Contains(out, "errors:") {
		t.Errorf("the demo met errors:\n%s", out)
	}
}

// TestDemoStopsOnCancel cancels the demo's context (as Ctrl-C does) while
// it runs without a time limit: it returns nil promptly.
func TestDemoStopsOnCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo", "--duration", "0"}, nil, &stdout, &stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "until Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start within 30 seconds:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the demo did not stop within 15 seconds of the cancel")
	}
	if !strings.Contains(stdout.String(), "Demo stopped.") {
		t.Errorf("output:\n%s", stdout.String())
	}
}
