package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoInTheConsole is a newcomer's first minutes: "switchboard demo",
// the printed console URL opened twice, once as the agent left to them
// (go available, take an offer, reply, see it sent) and once as the admin
// (watch the live queues, write a rule, see it route the next DM).
func TestDemoInTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo", "--pace", "300ms"}, nil, &stdout, &stderr) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("the demo did not stop within 20 seconds of the cancel")
		}
	}()
	waitWithin(t, 60*time.Second, "the demo to start simulating", func() bool { return strings.Contains(stdout.String(), "Simulating customers") })
	out := stdout.String()
	find := func(re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("the demo's output lacks %s:\n%s", re, out)
		}
		return m[1]
	}
	console := find(`console:\s+(http://127\.0\.0\.1:\d+)/ `)
	admin := find(`admin token:\s+(\S+)\n`)
	you := find(`You\s+General, Billing\s+token (\S+)`)

	// As You: available, an offer arrives, is taken and answered.
	agent := newBrowserTab(t, console)
	agent.signIn(you)
	agent.waitText("#who", "You · agent")
	agent.choose(`select[name="presence"]`, "Available")
	agent.waitText("article.offer", "Expires in")
	agent.screenshot("demo-offer")
	agent.click("article.offer button", "Accept")
	agent.waitText(".thread .msg.inbound", "")
	const reply = "Hello from the console"
	agent.fill(`textarea[name="reply"]`, reply)
	agent.click(".reply button", "Send")
	agent.waitText(".thread .msg.outbound .delivery", "sent")
	agent.screenshot("demo-reply-sent")

	// As the admin: the live queues, then a rule and the next DM it routes.
	analyst := newBrowserTab(t, console)
	analyst.shot = agent.shot // the screenshots number on from the agent's
	analyst.signIn(admin)
	analyst.waitText(`section[aria-label="Queue General"]`, "Agents available")
	analyst.waitText(`section[aria-label="Queue General"] .agents-live`, "You\tavailable")
	analyst.screenshot("demo-live")
	analyst.open("#/rules")
	analyst.waitText("table.rules", "VIP customers")
	analyst.fill(`input[name="rule_name"]`, "Shipping abroad")
	analyst.fill(`textarea[name="condition"]`, `Message.Text contains "Canada"`)
	analyst.waitText("#cond-check", "The condition is valid")
	analyst.choose(`select[name="rule_queue"]`, "Billing")
	analyst.click("form button", "Add rule")
	analyst.waitText("table.rules", "Shipping abroad")
	analyst.open("#/conversations")
	waitWithin(t, 30*time.Second, "a conversation routed by the new rule", func() bool {
		return strings.Contains(analyst.pageText(), "rule “Shipping abroad”")
	})
	analyst.waitText(`tr[data-id]`, "Do you ship to Canada?")
	analyst.screenshot("demo-routed-by-the-new-rule")
}
