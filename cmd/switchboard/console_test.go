package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestConsole drives the browser console in headless Chromium against the
// real service, on SQLite and on PostgreSQL.
func TestConsole(t *testing.T) {
	for _, scenario := range []struct {
		name string
		run  func(t *testing.T, dbEnv []string)
	}{
		{"rule workbench", consoleRuleWorkbench},
		{"agent inbox", consoleAgentInbox},
		{"watching routing", consoleWatchRouting},
		{"twitter channel", consoleTwitterChannel},
		{"calendars", consoleCalendars},
	} {
		t.Run(scenario.name, func(t *testing.T) { forEachServeDB(t, scenario.run) })
	}
}

// consoleRuleWorkbench: an admin signs in, creates queues, a work stream
// and a rule with a typo, sees the error where the typo is with the hint,
// fixes it, and tests the rules against contexts.
func consoleRuleWorkbench(t *testing.T, dbEnv []string) {
	const admin = "console-admin-token-0123456789"
	svc := startService(t, append(dbEnv, "SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_ADMIN_TOKEN="+admin))
	tab := newBrowserTab(t, "http://"+svc.addr)
	tab.signIn(admin)

	tab.open("#/queues")
	for _, q := range []struct{ name, ordering string }{{"General", "Highest priority, then longest waiting"}, {"VIP", "Longest waiting"}} {
		tab.fill(`input[name="name"]`, q.name)
		tab.choose(`select[name="ordering"]`, q.ordering)
		tab.click("form button", "Create")
		tab.waitText("table", q.name+"\t"+q.ordering+"\t")
	}
	tab.screenshot("queues")

	tab.open("#/workstreams")
	tab.fill(`input[name="name"]`, "Care")
	tab.choose(`select[name="default_queue"]`, "General")
	tab.click("form button", "Create")
	tab.waitText("table", "Care")
	tab.screenshot("work-streams")

	tab.open("#/rules")
	tab.waitText("#rules-h", "Routing rules of Care")
	const typo = "Customer.FolowersCount > 10000"
	tab.fill(`input[name="rule_name"]`, "Big accounts")
	tab.fill(`textarea[name="condition"]`, typo)
	where := fmt.Sprintf("Line 1, column %d:", strings.Index(typo, "FolowersCount")+1)
	tab.waitText("#cond-check", where)
	tab.waitText("#cond-check", "Customer has no field FolowersCount")
	tab.waitText("#cond-check .hint", "Customer.FollowersCount")
	tab.screenshot("rule-with-a-typo", "#cond-check")

	// Autocompletion offers the field as its name is typed; Tab takes it.
	tab.fill(`textarea[name="condition"]`, "Customer.Fol")
	tab.waitText(`[role="listbox"] [role="option"]`, "Customer.FollowersCount")
	tab.screenshot("rule-autocompletion", "#cond-check")
	tab.do("take the suggestion", chromedp.SendKeys(chromedp.CSS(`textarea[name="condition"]`), kb.Tab))
	tab.do("finish the condition", chromedp.SendKeys(chromedp.CSS(`textarea[name="condition"]`), " > 10000"))
	if got := tab.value(`textarea[name="condition"]`); got != "Customer.FollowersCount > 10000" {
		t.Fatalf("after autocompletion the condition reads %q", got)
	}
	tab.waitText("#cond-check", "The condition is valid")
	tab.choose(`select[name="rule_queue"]`, "VIP")
	tab.click("form button", "Add rule")
	tab.waitText("table code", "Customer.FollowersCount > 10000")
	tab.waitText("table", "VIP")

	// A rule the first one hides is flagged by the static checks beside it.
	tab.fill(`input[name="rule_name"]`, "Huge accounts")
	tab.fill(`textarea[name="condition"]`, "Customer.FollowersCount > 50000")
	tab.waitText("#cond-check", "The condition is valid")
	tab.choose(`select[name="rule_queue"]`, "VIP")
	tab.click("form button", "Add rule")
	tab.waitText("table tbody tr:nth-child(2)", "Huge accounts")
	tab.waitText("table tbody tr:nth-child(2) .warning", `rule "Big accounts" before it matches too`)
	tab.screenshot("rule-warnings", "#rules-h")
	// They are there when the workbench is opened again, before any change.
	tab.do("reload", chromedp.Reload())
	tab.waitText("table tbody tr:nth-child(2) .warning", `rule "Big accounts" before it matches too`)

	// The context as a form: the example's follower count is changed.
	tab.fill(`input[aria-label="Value of Customer.FollowersCount"]`, "70000")
	tab.click("form button", "Run test")
	tab.waitText(".trace .result", "Matched “Big accounts” → VIP")
	tab.waitText(".trace tbody tr", "Big accounts\ttrue\tCustomer.FollowersCount = 70000")
	tab.screenshot("rule-test-form", ".trace")

	tab.click("fieldset label", "A context (JSON)")
	if got := tab.value(`textarea[name="context"]`); !strings.Contains(got, `"FollowersCount": 70000`) {
		t.Errorf("the form's context shows as JSON %q", got)
	}
	for _, tc := range []struct {
		name, context, result, trace string
	}{
		{"big account", `{"Customer": {"FollowersCount": 50000}}`, "Matched “Big accounts” → VIP", "Big accounts\ttrue\tCustomer.FollowersCount = 50000"},
		{"small account", `{"Customer": {"FollowersCount": 12}}`, "No rule matched → General (default queue)", "Big accounts\tfalse"},
	} {
		tab.fill(`textarea[name="context"]`, tc.context)
		tab.click("form button", "Run test")
		tab.waitText(".trace .result", tc.result)
		tab.waitText(".trace tbody tr", tc.trace)
		tab.screenshot("rule-test-"+strings.ReplaceAll(tc.name, " ", "-"), ".trace")
	}

	// The hidden rule moves up, and a big account now matches it first.
	tab.click(`button[aria-label="Move up: Huge accounts"]`, "↑")
	tab.waitText("table tbody tr:nth-child(1)", "Huge accounts")
	tab.waitText("table tbody tr:nth-child(2)", "Big accounts")
	tab.fill(`textarea[name="context"]`, `{"Customer": {"FollowersCount": 60000}}`)
	tab.click("form button", "Run test")
	tab.waitText(".trace .result", "Matched “Huge accounts” → VIP")
	tab.waitText(".trace tbody tr:nth-child(1)", "Huge accounts\ttrue")
	tab.screenshot("rules-reordered", ".trace")

	// Dragged back to the top, "Big accounts" is first again.
	tab.drag(`tr[data-rule="Big accounts"]`, `tr[data-rule="Huge accounts"]`)
	tab.waitText("table.rules tbody tr:nth-child(1)", "Big accounts")
	tab.waitText("#toast", "Order saved: rule set version 4")
	tab.waitText(`tr[data-rule="Huge accounts"] .warning`, `rule "Big accounts" before it matches too`)

	// The versions: what changed from 3 to 4, and 3 restored as version 5.
	tab.waitText("table.versions tbody tr:nth-child(1)", "4")
	tab.choose(`select[name="diff_from"]`, "Version 3")
	tab.choose(`select[name="diff_to"]`, "Version 4 (current)")
	tab.click("form button", "Show the differences")
	tab.waitText(".difftable", "moved 2 → 1\tBig accounts")
	tab.waitText(".difftable", "moved 1 → 2\tHuge accounts")
	tab.screenshot("rule-versions-diff", ".difftable")
	tab.acceptConfirms()
	tab.click(`button[aria-label="Restore version 3"]`, "Restore")
	tab.waitText("#toast", "Version 3 restored as version 5")
	tab.waitText("table.rules tbody tr:nth-child(1)", "Huge accounts")
	tab.waitText("table.versions tbody tr:nth-child(1)", "5")

	// A stored conversation is picked in the test panel instead of a context:
	// with none yet, the list says so.
	tab.click("fieldset label", "A stored conversation")
	tab.waitText(`select[name="conversation"]`, "No conversation in this work stream yet")

	// The structured form: a rule built from attribute, operator and value
	// rows, which the API turns into text.
	tab.fill(`input[name="rule_name"]`, "Verified or refunds")
	tab.click("fieldset.modes label", "Form")
	tab.choose(`select[aria-label="Attribute of condition 1"]`, "Customer.Verified")
	tab.choose(`select[aria-label="Operator of condition 1"]`, "is true")
	tab.click(".condgroup button", "Add a condition")
	tab.choose(`select[aria-label="Attribute of condition 2"]`, "Message.Text")
	tab.choose(`select[aria-label="Operator of condition 2"]`, "contains")
	tab.fill(`input[aria-label="Value of condition 2"]`, "refund")
	tab.choose(`select[aria-label="Match the rule"]`, "any of these")
	const built = `Customer.Verified || Message.Text contains "refund"`
	tab.waitText(".preview", "As text: "+built)
	tab.waitText("#cond-check", "The conditions are valid")
	tab.screenshot("rule-form", ".condform")
	tab.click("form button", "Add rule")
	tab.waitText("table.rules tbody tr:nth-child(3)", built)

	// Reopened, it shows in the form; as text it reads the same; text the
	// form cannot show stays text, with where and why.
	tab.click(`button[aria-label="Edit: Verified or refunds"]`, "Edit")
	tab.waitText(".preview", "As text: "+built)
	if got := tab.value(`select[aria-label="Attribute of condition 2"]`); got != "Message.Text" {
		t.Errorf("the reopened form's second attribute is %q", got)
	}
	tab.click("fieldset.modes label", "Text")
	if got := tab.value(`textarea[name="condition"]`); got != built {
		t.Errorf("as text the form's rule reads %q; want %q", got, built)
	}
	tab.fill(`textarea[name="condition"]`, `Customer.Verified && textHasAny(["refund"])`)
	tab.waitText("#cond-check", "The condition is valid")
	tab.click("fieldset.modes label", "Form")
	tab.waitText("#cond-check", "Line 1, column 22: the form cannot show this part: textHasAny(...)")
	tab.waitText("#cond-check .hint", "keep editing it as text")
	tab.screenshot("rule-form-refused", "#cond-check")
	tab.click("form button", "Cancel")

	tab.open("#/audit")
	tab.waitText("table.audit tbody", "restore")
	tab.choose(`select[name="resource"]`, "Rules")
	tab.waitText("table.audit tbody tr:nth-child(1)", "rule")
	tab.screenshot("audit-log")

	// The admin pages show what exists; a new key's token is shown once.
	tab.open("#/keys")
	tab.fill(`input[name="name"]`, "Reports")
	tab.click("form button", "Create")
	tab.waitText(".notice", "It is shown only this once")
	if tok := tab.text(".notice code.token"); len(tok) < 20 {
		t.Fatalf("the new key's token shows as %q", tok)
	}
	tab.screenshot("api-keys")
	tab.open("#/agents")
	tab.fill(`input[name="name"]`, "Ann")
	tab.click("fieldset label", "VIP")
	tab.click("form button", "Create")
	tab.waitText(".notice", `The token of “Ann”. It is shown only this once`)
	tab.waitText("table tbody tr", "Ann\toffline\t10\tVIP")
	tab.screenshot("agents")

	// Edited: Ann takes less at once, and General too.
	tab.click(`button[aria-label="Edit Ann"]`, "Edit")
	tab.waitText("form.editing h2", "Edit the agent “Ann”") // the edit form has replaced the create form
	tab.waitText("form.editing h2", "Edit the agent “Ann”")
	tab.fill(`input[name="capacity"]`, "4")
	tab.click("fieldset label", "General")
	tab.click("form button", "Save")
	tab.waitText("table tbody tr", "Ann\toffline\t4\tGeneral, VIP")
	tab.waitText("form h2", "New agent")

	// A work stream's timers are changed in place; a queue nothing uses is
	// renamed, then deleted.
	tab.open("#/workstreams")
	tab.click(`button[aria-label="Edit Care"]`, "Edit")
	tab.waitText("form.editing h2", "Edit the work stream “Care”") // the edit form has replaced the create form
	tab.fill(`input[name="offer_timeout"]`, "90s")
	tab.click("form button", "Save")
	tab.waitText("table tbody tr", "Care\ttwitter\tpush\tGeneral\tround robin\t1m30s")
	tab.screenshot("work-stream-edited")
	tab.open("#/queues")
	tab.fill(`input[name="name"]`, "Spare")
	tab.click("form button", "Create")
	tab.click(`button[aria-label="Edit Spare"]`, "Edit")
	tab.waitText("form.editing h2", "Edit the queue “Spare”") // the edit form has replaced the create form
	tab.fill(`input[name="name"]`, "Spare room")
	tab.click("form button", "Save")
	tab.waitText("table", "Spare room")
	tab.acceptConfirms()
	tab.click(`button[aria-label="Delete Spare room"]`, "Delete")
	tab.waitText("#toast", "Deleted “Spare room”")
	waitFor(t, "the deleted queue to leave the table", func() bool { return !strings.Contains(tab.text("table"), "Spare room") })
	tab.acceptConfirms()
	tab.click(`button[aria-label="Delete General"]`, "Delete")
	tab.waitText("#toast", `queue "General" cannot be deleted: it is in use`) // refused, with the reason
	tab.waitText("table", "General")
	tab.screenshot("queues-edited")
	// Web chat: a work stream of the channel, then a widget whose signing
	// secret is shown once, and replaced by a new one on request.
	tab.open("#/workstreams")
	tab.fill(`input[name="name"]`, "Site chat")
	tab.choose(`select[name="channel"]`, "Web chat")
	tab.choose(`select[name="default_queue"]`, "General")
	tab.click("form button", "Create")
	tab.waitText("table", "Site chat\twebchat")
	tab.open("#/webchat")
	tab.fill(`input[name="name"]`, "Help bubble")
	tab.click("form button", "Create")
	tab.waitText(".notice", `The signing secret of “Help bubble”. It is shown only this once`)
	first := tab.text(".notice code.token")
	if len(first) < 20 {
		t.Fatalf("the new widget's secret shows as %q", first)
	}
	tab.waitText("table tbody tr", "Help bubble\tSite chat\t/webchat/widgets/")
	tab.screenshot("webchat")
	tab.acceptConfirms()
	tab.click("table button", "New secret")
	waitFor(t, "a new secret is shown", func() bool { s := tab.text(".notice code.token"); return len(s) >= 20 && s != first })
	tab.open("#/webchat")
	tab.waitText("table tbody tr", "Help bubble")
	if strings.Contains(tab.pageText(), first) {
		t.Errorf("the widget's secret is still on the page after reopening it")
	}
}

// consoleAgentInbox: an agent goes available in the inbox, a signed DM
// arrives through the webhook and is offered, the agent accepts and
// replies, and Twitter receives the reply once; after a reload the thread
// is intact.
func consoleAgentInbox(t *testing.T, dbEnv []string) {
	const admin = "console-admin-token-0123456789"
	fake := newFakeChannel(t, "console")
	customer := fake.AddUser(twittertest.User{ScreenName: "bigfan", Name: "Big Fan", FollowersCount: 50000, Verified: true})
	env := append(fake.serviceEnv(t, dbEnv...), "SWITCHBOARD_ADMIN_TOKEN="+admin)
	svc := startService(t, env)
	base := "http://" + svc.addr
	api := &apiClient{base: base + "/api/v1"}

	var general, vip, ws idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "VIP"}, 201, &vip)
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID, "offer_timeout": "10m"}, 201, &ws)
	api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Big accounts",
		"condition": "Customer.FollowersCount > 10000", "queue_id": vip.ID}, 201, nil)
	fake.connectHandle(t, api.base, admin, ws.ID)
	var agent struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	api.call(t, "POST", "/agents", admin, map[string]any{"name": "Ann", "capacity": 3, "queue_ids": []string{general.ID, vip.ID}}, 201, &agent)

	tab := newBrowserTab(t, base)
	tab.signIn(agent.Token)
	tab.waitText("#who", "Ann · agent")
	tab.waitText("#offers-h", "Offers")
	tab.waitText(".pill", "connected")
	tab.choose(`select[name="presence"]`, "Available")
	tab.waitText("#toast", "You are available")
	tab.screenshot("inbox-available")

	const question = "my parcel never came"
	inj, err := fake.InjectDMs(t.Context(),
		twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: question},
		twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: "here is the label", Media: &twittertest.Media{}})
	if err != nil || len(inj.Deliveries) == 0 || !inj.Deliveries[0].OK() {
		t.Fatalf("inject the DMs: %+v %v", inj, err)
	}
	offer := `article.offer[aria-label="Offer from Big Fan"]`
	for _, want := range []string{"Big Fan", "verified", "@bigfan", "50,000", "new", "VIP", "rule “Big accounts”", "Expires in"} {
		tab.waitText(offer, want)
	}
	tab.screenshot("offer")

	tab.click(offer+" button", "Accept")
	tab.waitText(".thread .msg.inbound", question)
	tab.waitText(".thread .msg.inbound a", "photo")
	tab.waitText(".convlist", "Big Fan")
	// The customer writes again while Ann writes her reply: the thread shows
	// the new message and her draft stays as it was.
	const draft = "Sorry! A new one"
	tab.fill(`textarea[name="reply"]`, draft)
	if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: "are you there?"}); err != nil || !inj.Deliveries[0].OK() {
		t.Fatalf("inject the DM: %+v %v", inj, err)
	}
	tab.waitText(".thread", "are you there?")
	kept, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`document.querySelector('textarea[name="reply"]').value`))
	if err != nil || kept != draft {
		t.Errorf("after the customer's new message the reply box holds %q (%v); want the draft %q", kept, err, draft)
	}
	const reply = "Sorry! A new one ships today."
	tab.fill(`textarea[name="reply"]`, reply)
	tab.click(".reply button", "Send")
	tab.waitText(".thread .msg.outbound", reply)
	tab.waitText(".thread .msg.outbound .delivery", "sent")
	tab.screenshot("thread")

	// Mid-conversation the tab is reloaded: the thread comes back from the API.
	tab.do("reload", chromedp.Reload())
	tab.waitText(".thread .msg.inbound", question)
	tab.waitText(".thread .msg.outbound", reply)
	tab.waitText(".thread .msg.outbound .delivery", "sent")
	tab.waitText(".convlist", "Big Fan")
	tab.waitText(".pill", "connected")
	if got := tab.text("#offers-h + *"); !sameText(got, "No offers right now.") {
		t.Errorf("after the reload the offers show %q; want none (the offer was accepted)", got)
	}
	tab.screenshot("thread-after-reload")

	// The service restarts under the open tab: the stream reconnects with
	// Last-Event-ID, and the next customer's offer shows once, the
	// accepted one not again.
	if err := svc.stop(); err != nil {
		t.Fatal(err)
	}
	tab.waitText(".pill", "reconnecting")
	startService(t, env)
	newcomer := fake.AddUser(twittertest.User{ScreenName: "newbie", Name: "New Bie", FollowersCount: 12})
	if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: newcomer.ID, To: fake.business.ID, Text: "hello?"}); err != nil || !inj.Deliveries[0].OK() {
		t.Fatalf("inject the newcomer's DM: %+v %v", inj, err)
	}
	tab.waitText(`article.offer[aria-label="Offer from New Bie"]`, "General")
	tab.waitText(".pill", "connected")
	if got := tab.text("#offers-h + *"); !strings.Contains(got, "New Bie") {
		t.Fatalf("the offers show %q; want New Bie's", got)
	}
	offers, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('article.offer')].map(e => e.getAttribute('aria-label'))`))
	if err != nil || len(offers) != 1 {
		t.Errorf("after the reconnection the inbox offers %q (%v); want only New Bie's, once", offers, err)
	}
	tab.screenshot("offer-after-reconnecting")

	// Ann hands Big Fan's conversation to Ben, who has just come in: it
	// leaves her list and is offered to him.
	var ben struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	api.call(t, "POST", "/agents", admin, map[string]any{"name": "Ben", "capacity": 3, "queue_ids": []string{general.ID, vip.ID}}, 201, &ben)
	api.call(t, "PUT", "/agents/"+ben.ID+"/presence", ben.Token, map[string]any{"presence": "available"}, 200, nil)
	benStream := openAgentStream(t, api.base+"/agents/"+ben.ID+"/notifications", ben.Token)
	tab.do("reload", chromedp.Reload())
	tab.waitText(".thread .msg.outbound", reply)
	tab.choose(`select[name="transfer_to"]`, "Agent: Ben (available)")
	tab.screenshot("transfer-to-agent", ".transfer")
	tab.click(".transfer button", "Transfer")
	tab.waitText("#toast", "Done: transfer")
	tab.waitText(".thread", "Pick a conversation to read it.")
	tab.waitText(".convs", "None yet. Accept an offer to start.") // Big Fan's was her only one
	if got := decodeOffer(t, benStream.expect(t, "offer")); got.Customer.ScreenName != "bigfan" {
		t.Errorf("Ben is offered %+v; want Big Fan's conversation", got)
	}

	// With everyone away, a push-mode conversation waits in her queue; it
	// is not one to take (it will be offered), so the inbox does not list it.
	api.call(t, "PUT", "/agents/"+ben.ID+"/presence", ben.Token, map[string]any{"presence": "away"}, 200, nil)
	tab.choose(`select[name="presence"]`, "Away")
	tab.waitText("#toast", "You are away")
	waiter := fake.AddUser(twittertest.User{ScreenName: "waiter", Name: "Wai Ter", FollowersCount: 5})
	if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: waiter.ID, To: fake.business.ID, Text: "hi, anyone?"}); err != nil || !inj.Deliveries[0].OK() {
		t.Fatalf("inject the waiter's DM: %+v %v", inj, err)
	}
	var open struct {
		Items []idBody `json:"items"`
	}
	waitFor(t, "the waiter's conversation open in the queue", func() bool {
		api.call(t, "GET", "/conversations?status=open&customer=waiter", admin, nil, 200, &open)
		return len(open.Items) == 1
	})
	tab.do("reload", chromedp.Reload())
	tab.waitText(".convs", "None yet.") // the inbox has loaded its lists
	if strings.Contains(tab.pageText(), "Waiting in your queues") {
		t.Errorf("the inbox lists a push-mode conversation to take:\n%s", tab.pageText())
	}
	tab.choose(`select[name="presence"]`, "Available")
	tab.waitText("#toast", "You are available")
	tab.waitText(`article.offer[aria-label="Offer from Wai Ter"]`, "General")
	tab.click(`article.offer[aria-label="Offer from Wai Ter"] button`, "Reject")

	// In pick mode nothing is offered: a new customer's conversation waits
	// in Ann's queue until she takes it.
	api.call(t, "PATCH", "/workstreams/"+ws.ID, admin, map[string]any{"mode": "pick"}, 200, nil)
	picky := fake.AddUser(twittertest.User{ScreenName: "picky", Name: "Pat Picky", FollowersCount: 40})
	if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: picky.ID, To: fake.business.ID, Text: "anyone there?"}); err != nil || !inj.Deliveries[0].OK() {
		t.Fatalf("inject Pat's DM: %+v %v", inj, err)
	}
	tab.waitText(".waiting", "Pat Picky")
	tab.waitText(".waiting", "Queue General")
	tab.screenshot("waiting-to-pick", ".waiting")
	tab.click(`button[aria-label="Take the conversation with Pat Picky"]`, "Take")
	tab.waitText(".thread .msg.inbound", "anyone there?")
	tab.waitText(".convs", "Pat Picky")
	waitFor(t, "Pat's conversation leaves the waiting list", func() bool { return !strings.Contains(tab.text(".waiting"), "Pat Picky") })
	tab.waitText(".waiting", "Wai Ter") // rejected, still waiting, now to take

	fake.WaitDeliveries()
	if n := countSent(fake.Messages(), fake.business.ID, []string{reply}); n[reply] != 1 {
		t.Errorf("Twitter received the reply %d times; want once", n[reply])
	}
}

// consoleWatchRouting: an admin watches conversations arrive with where
// routing sent them, writes a rule, and sees it route the next DM; the
// conversation's page shows its messages and routing history.
func consoleWatchRouting(t *testing.T, dbEnv []string) {
	const admin = "console-admin-token-0123456789"
	fake := newFakeChannel(t, "watch")
	jane := fake.AddUser(twittertest.User{ScreenName: "jane", Name: "Jane", FollowersCount: 150})
	tom := fake.AddUser(twittertest.User{ScreenName: "tom", Name: "Tom", FollowersCount: 40, Verified: true})
	svc := startService(t, append(fake.serviceEnv(t, dbEnv...), "SWITCHBOARD_ADMIN_TOKEN="+admin))
	base := "http://" + svc.addr
	api := &apiClient{base: base + "/api/v1"}
	var general, billing, ws idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "Billing"}, 201, &billing)
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID}, 201, &ws)
	fake.connectHandle(t, api.base, admin, ws.ID)
	dm := func(from twittertest.User, text string) {
		t.Helper()
		if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: from.ID, To: fake.business.ID, Text: text}); err != nil || !inj.Deliveries[0].OK() {
			t.Fatalf("inject %s's DM: %+v %v", from.ScreenName, inj, err)
		}
	}

	tab := newBrowserTab(t, base)
	tab.signIn(admin)
	tab.open("#/conversations")
	tab.waitText("main", "No conversations yet")
	dm(jane, "where is my order?")
	row := `tr[data-id]`
	tab.waitText(row, "Jane")
	tab.waitText(row, "General\t0\tdefault queue · version 0\t")
	tab.waitText(row, "where is my order?")

	tab.open("#/rules")
	tab.fill(`input[name="rule_name"]`, "Refunds")
	tab.fill(`textarea[name="condition"]`, `Message.Text contains "refund"`)
	tab.waitText("#cond-check", "The condition is valid")
	tab.choose(`select[name="rule_queue"]`, "Billing")
	tab.fill(`input[name="priority"]`, "500")
	tab.screenshot("rule-with-priority", `input[name="priority"]`)
	tab.click("form button", "Add rule")
	tab.waitText("table code", `Message.Text contains "refund"`)
	tab.waitText(`tr[data-rule="Refunds"]`, "Billing\t500\t")

	tab.open("#/conversations")
	dm(tom, "I want a refund")
	tab.waitText(row+":first-child", "Tom")
	tab.waitText(row+":first-child", "Billing\t500\trule “Refunds” · version 1")
	tab.waitText(row+":nth-child(2)", "Jane")
	tab.waitText(row+":nth-child(2)", "General\t0\tdefault queue")
	tab.screenshot("conversations")

	tab.click(row+":first-child button", "Open")
	tab.waitText("#detail-h", "Tom @tom")
	tab.waitText(".msg.inbound", "I want a refund")
	tab.waitText("table.routing tbody tr", "Billing\tRefunds\t1\t500\tmatched")
	tab.screenshot("conversation-detail", "#detail-h")

	// An admin raises Tom's priority; what is typed survives the page's
	// refresh every 3 s, and the change shows in the routing history.
	tab.fill(`form[aria-label="Priority"] input[name="priority"]`, "900")
	if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`(document.querySelector('form[aria-label="Priority"]').dataset.before = '1', true)`)); err != nil {
		t.Fatalf("mark the detail as drawn: %v", err)
	}
	waitFor(t, "the conversation to refresh itself", func() bool {
		gone, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`!document.querySelector('form[data-before]')`))
		return err == nil && gone
	})
	if got := tab.value(`form[aria-label="Priority"] input[name="priority"]`); got != "900" {
		t.Fatalf("after a refresh the priority field reads %q; want the 900 typed", got)
	}
	tab.click(`form[aria-label="Priority"] button`, "Set priority")
	tab.waitText("#toast", "Priority 900 saved")
	tab.waitText("table.routing tbody tr:nth-child(2)", "Billing\tpriority 500 → 900 by ")
	tab.waitText("table.routing tbody tr:nth-child(2)", "\t900\tpriority")
	tab.waitText(row+":first-child", "Billing\t900\t")
	tab.screenshot("conversation-priority", "#detail-h")

	// The live view: Jane waits in General, where Ann works; Ann comes in,
	// is offered the conversation and takes it.
	var ann struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	api.call(t, "POST", "/agents", admin, map[string]any{"name": "Ann", "capacity": 3, "queue_ids": []string{general.ID}}, 201, &ann)
	tab.open("#/live")
	generalCard, billingCard := `section[aria-label="Queue General"]`, `section[aria-label="Queue Billing"]`
	tab.waitText(generalCard, "Waiting\n1")
	tab.waitText(generalCard, "Agents available\n0 of 1")
	tab.waitText(generalCard+" .agents-live", "Ann\toffline\t 0 of 3")
	tab.waitText(billingCard, "Waiting\n1")
	tab.waitText(billingCard, "No agent works this queue.")
	waitFor(t, "Jane's wait ticks", func() bool { s := tab.text(generalCard + " .longest"); return s != "—" && s != "0 s" })
	tab.screenshot("live-queues")
	api.call(t, "PUT", "/agents/"+ann.ID+"/presence", ann.Token, map[string]any{"presence": "available"}, 200, nil)
	tab.waitText(generalCard, "Offered\n1")
	tab.waitText(generalCard, "Waiting\n0")
	var offered struct {
		Items []idBody `json:"items"`
	}
	api.call(t, "GET", "/conversations?status=offered&agent_id="+ann.ID, ann.Token, nil, 200, &offered)
	if len(offered.Items) != 1 {
		t.Fatalf("Ann is offered %d conversations; want Jane's", len(offered.Items))
	}
	api.call(t, "POST", "/conversations/"+offered.Items[0].ID+"/accept", ann.Token, nil, 200, nil)
	tab.waitText(generalCard, "Being worked\n1")
	tab.waitText(generalCard+" .agents-live", "Ann\tavailable\t 1 of 3")
	tab.screenshot("live-queues-worked")

	// Tom's stored conversation, tested against the rules as routing saw it.
	tab.open("#/rules")
	tab.click("fieldset label", "A stored conversation")
	tab.chooseStarting(`select[name="conversation"]`, "Tom @tom · open")
	tab.click("form button", "Run test")
	tab.waitText(".trace .result", "Matched “Refunds” → Billing")
	tab.waitText(".trace tbody tr", "Refunds\ttrue\tMessage.Text = \"I want a refund\"")
	tab.screenshot("rule-test-stored-conversation", ".trace")

	// An analyst's console offers the analyst's pages only, and names the
	// agent who took Jane's conversation.
	var key struct {
		Token string `json:"token"`
	}
	api.call(t, "POST", "/keys", admin, map[string]any{"name": "Ana Lyst", "role": "analyst"}, 201, &key)
	analyst := newBrowserTab(t, base)
	analyst.shot = tab.shot
	analyst.signIn(key.Token)
	analyst.waitText("#who", "Ana Lyst · analyst")
	if nav := analyst.text("#nav"); !sameText(nav, "Live Conversations Rules Queues Work streams Calendars") {
		t.Errorf("an analyst's navigation shows %q", nav)
	}
	analyst.open("#/conversations")
	analyst.waitText(`tr[data-id]:nth-child(2)`, "Jane")
	analyst.waitText(`tr[data-id]:nth-child(2)`, "\tAnn\t")
	analyst.open("#/agents")
	analyst.waitText("h1", "Live queues") // not an analyst's page: the first one opens instead
	analyst.screenshot("analyst")
}

// consoleTwitterChannel: an admin adds the Twitter application from the
// developer portal, connects a handle with "Sign on to Twitter" (the fake
// Twitter approves as the business account), and sees the handle active
// and subscribed, its webhook valid, and its last event once a DM arrives.
func consoleTwitterChannel(t *testing.T, dbEnv []string) {
	const admin = "console-admin-token-0123456789"
	fake := newFakeChannel(t, "signon")
	fake.AuthorizeAs(fake.business.ID)
	customer := fake.AddUser(twittertest.User{ScreenName: "jane", Name: "Jane"})
	// A handle that received 5 DMs is alarmingly silent after 4 s.
	svc := startService(t, append(fake.serviceEnv(t, dbEnv...), "SWITCHBOARD_ADMIN_TOKEN="+admin, "SWITCHBOARD_TWITTER_SILENT_AFTER=4s"))
	base := "http://" + svc.addr
	api := &apiClient{base: base + "/api/v1"}
	var general idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID}, 201, nil)

	tab := newBrowserTab(t, base)
	tab.signIn(admin)
	tab.open("#/twitter")
	tab.waitText("main", "No Twitter application yet")
	tab.fill(`input[name="name"]`, "Acme")
	tab.fill(`input[name="consumer_key"]`, fake.app.ConsumerKey)
	tab.fill(`input[name="consumer_secret"]`, fake.app.ConsumerSecret)
	tab.click("form button", "Create")
	tab.waitText(`section[aria-label="Application Acme"] code.callback`, base+"/oauth/twitter/callback")
	tab.waitText(`section[aria-label="Application Acme"] code.webhook`, base+"/webhooks/twitter/")
	if strings.Contains(tab.pageText(), fake.app.ConsumerSecret) {
		t.Errorf("the consumer secret shows on the page")
	}

	tab.fill(`input[name="handle_name"]`, "Acme Help")
	tab.choose(`select[name="handle_work_stream"]`, "Care")
	tab.click("form button", "Connect with Twitter")
	tab.waitText(".notice", "Sign “Acme Help” on to Twitter.")
	tab.waitText(`tr[data-handle="Acme Help"]`, "pending")
	tab.screenshot("twitter-sign-on")

	// While the handle waits the page refreshes itself every 2 s: what is
	// being typed in a form stays, with the caret in it.
	if got := tab.value(`input[name="name"]`); got != "" {
		t.Errorf("after the application was created its form still reads %q", got)
	}
	tab.fill(`input[name="name"]`, "Second app")
	if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`(document.querySelector('section[aria-label="Application Acme"]').dataset.before = '1', true)`)); err != nil {
		t.Fatalf("mark the page as drawn: %v", err)
	}
	waitFor(t, "the Twitter page to refresh itself", func() bool {
		gone, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`!document.querySelector('section[data-before]')`))
		return err == nil && gone
	})
	if got := tab.value(`input[name="name"]`); got != "Second app" {
		t.Errorf("after the page refreshed, the new application's name reads %q; want what was typed", got)
	}
	if focus, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`document.activeElement.name`)); err != nil || focus != "name" {
		t.Errorf("after the page refreshed the focus is on %q (%v); want the field being typed in", focus, err)
	}
	tab.fill(`input[name="name"]`, "")
	link, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`document.querySelector('a.signon').href`))
	if err != nil || !strings.HasPrefix(link, fake.URL) {
		t.Fatalf("the sign-on link is %q (%v); want one to the fake Twitter", link, err)
	}

	// The person follows the link in a new tab: Twitter approves and sends
	// them back to Switchboard; the console's tab notices by itself.
	otherCtx, closeOther := chromedp.NewContext(tab.ctx)
	defer closeOther()
	if err := chromedp.Do(otherCtx, chromedp.Navigate("about:blank")); err != nil { // opens the tab; must not carry a timeout
		t.Fatalf("open a second tab: %v", err)
	}
	other := &browserTab{t: t, ctx: otherCtx, base: base, shot: tab.shot, axe: tab.axe} // numbering on from the first tab's screenshots
	other.do("follow the sign-on link", chromedp.Navigate(link))
	// Twitter's pages redirect; read the page until the last one shows.
	waitFor(t, "Switchboard's page after the sign-on", func() bool { return strings.Contains(other.pageText(), "Connected to Twitter") })
	other.screenshot("twitter-connected")
	tab.shot = other.shot
	tab.waitText("#toast", "“Acme Help” is connected as @AcmeHelp")
	handle := `tr[data-handle="Acme Help"]`
	tab.waitText(handle, "@AcmeHelp")
	tab.waitText(handle, "active")
	tab.click("button", "Check the webhook")
	tab.waitText(".notice", "Acme: webhook valid · Acme Help: subscribed")
	tab.waitText(handle, "subscribed")
	tab.waitText(handle, "checked ")

	for i := range 5 {
		if inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: fmt.Sprintf("hello %d", i)}); err != nil || !inj.Deliveries[0].OK() {
			t.Fatalf("inject a DM: %+v %v", inj, err)
		}
	}
	tab.do("reload", chromedp.Reload())
	tab.waitText(handle+" .last-event", " s ago")
	if strings.Contains(tab.text(handle), "Silent") {
		t.Errorf("a handle that has just received DMs shows as silent: %s", tab.text(handle))
	}
	tab.screenshot("twitter")

	// Nothing more arrives: the page, refreshing by itself, raises the alarm.
	tab.waitTextWithin(40*time.Second, handle+" .last-event", "Silent: this handle usually receives DMs")
	tab.screenshot("twitter-silent-handle", handle)
}

// TestAccessibilityCheckFindsProblems shows that the check the console's
// pages pass can fail: a page with an unlabelled field and grey-on-grey
// text is reported with both problems.
func TestAccessibilityCheckFindsProblems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
			<p style="color:#bbb;background:#ccc">hard to read</p><input type="text" name="q"></main></body></html>`))
	}))
	defer srv.Close()
	tab := newBrowserTab(t, srv.URL)
	if tab.axe == "" {
		t.Skip("skipped: axe-core is not installed (npm ci --prefix .ci/a11y)")
	}
	tab.do("open the page", chromedp.Navigate(srv.URL))
	got := strings.Join(tab.accessibilityProblems(), "\n")
	for _, want := range []string{"color-contrast", "label"} {
		if !strings.Contains(got, want) {
			t.Errorf("the check reports\n%s\nwant a %s problem", got, want)
		}
	}
}
