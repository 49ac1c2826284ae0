package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// canned creates a canned response as actor, failing the test on an error.
func (w *world) canned(actor engine.Actor, shortcut, title, body string) engine.CannedResponse {
	w.t.Helper()
	r, err := w.svc.CreateCannedResponse(context.Background(), actor, engine.CannedResponseInput{Shortcut: &shortcut, Title: &title, Body: &body})
	if err != nil {
		w.t.Fatalf("create canned response %s: %v", shortcut, err)
	}
	return r
}

func shortcuts(l engine.List[engine.CannedResponse]) []string {
	var out []string
	for _, r := range l.Items {
		out = append(out, r.Shortcut)
	}
	return out
}

// TestCannedResponsesSharedAndPersonal keeps a shared response (an
// analyst's) and an agent's personal ones: every agent lists and reads the
// shared one, only its agent the personal one; shortcuts are unique in
// their scope ignoring case; a search matches a shortcut's start or the
// text; who may change what; each write is audited.
func TestCannedResponsesSharedAndPersonal(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		analyst := engine.Actor{Name: "Ana the analyst", Role: engine.RoleAnalyst}
		ann := w.agent("Ann", 1, engine.PresenceOffline)
		bob := w.agent("Bob", 1, engine.PresenceOffline)

		refund := w.canned(analyst, "/Refund", "Refund policy", "Hi {{customer.first_name}}, refunds take 5 days.")
		if refund.Scope != engine.ScopeShared || refund.Shortcut != "/refund" || refund.AgentID != "" || refund.CreatedBy != analyst.Name {
			t.Errorf("analyst's response %+v; want shared, /refund in lower case, created by the analyst", refund)
		}
		mine := w.canned(ann, "thanks", "Thank you", "Thanks for waiting, {{customer.name}}! {{agent.name}}")
		if mine.Scope != engine.ScopePersonal || mine.AgentID != ann.AgentID || mine.Shortcut != "/thanks" {
			t.Errorf("Ann's response %+v; want personal, hers, /thanks", mine)
		}
		// The same shortcut in another scope is no clash.
		w.canned(ann, "/refund", "My refund note", "I'll look into your refund myself.")

		list := func(actor engine.Actor, f engine.CannedFilter) []string {
			t.Helper()
			l, err := w.svc.ListCannedResponses(ctx, actor, f, engine.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return shortcuts(l)
		}
		tests := []struct {
			name   string
			actor  engine.Actor
			filter engine.CannedFilter
			want   []string
		}{
			{"Ann sees the shared and her own", ann, engine.CannedFilter{}, []string{"/refund", "/thanks", "/refund"}},
			{"Bob sees the shared only", bob, engine.CannedFilter{}, []string{"/refund"}},
			{"an analyst sees no one's personal", analyst, engine.CannedFilter{}, []string{"/refund"}},
			{"Ann's personal only", ann, engine.CannedFilter{Scope: engine.ScopePersonal}, []string{"/thanks", "/refund"}},
			{"a shortcut's start", ann, engine.CannedFilter{Query: "ref"}, []string{"/refund", "/refund"}},
			{"a shortcut's start with its slash, any case", ann, engine.CannedFilter{Query: "/TH"}, []string{"/thanks"}},
			{"text in a body", ann, engine.CannedFilter{Query: "waiting"}, []string{"/thanks"}},
			{"text in a title", bob, engine.CannedFilter{Query: "policy"}, []string{"/refund"}},
			{"the middle of a shortcut is not its start", bob, engine.CannedFilter{Query: "/fund"}, nil},
			{"wildcards are text", ann, engine.CannedFilter{Query: "%"}, nil},
		}
		for _, tt := range tests {
			if got := list(tt.actor, tt.filter); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
			}
		}

		if _, err := w.svc.CannedResponse(ctx, bob, mine.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("Bob reads Ann's personal response: %v; want not found", err)
		}
		if _, err := w.svc.CannedResponse(ctx, bob, refund.ID); err != nil {
			t.Errorf("Bob reads the shared response: %v", err)
		}

		body := "Hello {{customer.name}}"
		refusals := []struct {
			name  string
			actor engine.Actor
			do    func(actor engine.Actor) error
			want  error
		}{
			{"a shared shortcut taken, in another case", w.admin, func(a engine.Actor) error {
				_, err := w.svc.CreateCannedResponse(ctx, a, engine.CannedResponseInput{Shortcut: ptr("/REFUND"), Title: ptr("x"), Body: &body})
				return err
			}, engine.ErrConflict},
			{"an agent keeps a shared one", ann, func(a engine.Actor) error {
				_, err := w.svc.CreateCannedResponse(ctx, a, engine.CannedResponseInput{Scope: ptr(engine.ScopeShared), Shortcut: ptr("/hi"), Title: ptr("x"), Body: &body})
				return err
			}, engine.ErrForbidden},
			{"an agent changes a shared one", ann, func(a engine.Actor) error {
				_, err := w.svc.UpdateCannedResponse(ctx, a, refund.ID, engine.CannedResponseInput{Title: ptr("mine now")})
				return err
			}, engine.ErrForbidden},
			{"Bob deletes Ann's", bob, func(a engine.Actor) error { return w.svc.DeleteCannedResponse(ctx, a, mine.ID) }, engine.ErrNotFound},
			{"an analyst keeps a personal one", analyst, func(a engine.Actor) error {
				_, err := w.svc.CreateCannedResponse(ctx, a, engine.CannedResponseInput{Scope: ptr(engine.ScopePersonal), Shortcut: ptr("/hi"), Title: ptr("x"), Body: &body})
				return err
			}, engine.ErrInvalid},
			{"a shortcut with a space", ann, func(a engine.Actor) error {
				_, err := w.svc.CreateCannedResponse(ctx, a, engine.CannedResponseInput{Shortcut: ptr("/re fund"), Title: ptr("x"), Body: &body})
				return err
			}, engine.ErrInvalid},
			{"a scope changed", ann, func(a engine.Actor) error {
				_, err := w.svc.UpdateCannedResponse(ctx, a, mine.ID, engine.CannedResponseInput{Scope: ptr(engine.ScopeShared)})
				return err
			}, engine.ErrInvalid},
			{"a personal shortcut taken by an update", ann, func(a engine.Actor) error {
				_, err := w.svc.UpdateCannedResponse(ctx, a, mine.ID, engine.CannedResponseInput{Shortcut: ptr("/Refund")})
				return err
			}, engine.ErrConflict},
		}
		for _, tt := range refusals {
			if err := tt.do(tt.actor); !errors.Is(err, tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, err, tt.want)
			}
		}

		changed, err := w.svc.UpdateCannedResponse(ctx, ann, mine.ID, engine.CannedResponseInput{Shortcut: ptr("/ty"), Body: ptr("Thank you, {{customer.first_name}}.")})
		if err != nil || changed.Shortcut != "/ty" || changed.Title != "Thank you" {
			t.Fatalf("Ann changes hers: %+v, %v; want /ty with its title kept", changed, err)
		}
		if err := w.svc.DeleteCannedResponse(ctx, analyst, refund.ID); err != nil {
			t.Fatalf("the analyst deletes the shared one: %v", err)
		}
		if got := list(bob, engine.CannedFilter{}); len(got) != 0 {
			t.Errorf("Bob sees %v after the delete; want nothing", got)
		}
		audit, err := w.svc.ListAudit(ctx, engine.AuditFilter{Resource: "canned_response"}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range audit.Items {
			got = append(got, e.Action+" by "+e.ActorName+": "+e.Summary)
		}
		want := []string{
			`delete by Ana the analyst: deleted shared canned response /refund "Refund policy"`,
			`update by Ann: updated personal canned response /ty "Thank you"`,
			`create by Ann: created personal canned response /refund "My refund note"`,
			`create by Ann: created personal canned response /thanks "Thank you"`,
			`create by Ana the analyst: created shared canned response /refund "Refund policy"`,
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestCannedBodyMistakes saves bodies with placeholder mistakes: each is
// refused with its line, column, the line with a caret, and a hint.
func TestCannedBodyMistakes(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		line, col  int
		message    string
		hint       string
		wantCaret  string
		nProblems  int
		wantInText string
	}{
		{name: "a typo", body: "Hi {{customer.nmae}}!", line: 1, col: 6, message: "{{customer.nmae}} is not a placeholder", hint: "did you mean {{customer.name}}?",
			wantCaret: "Hi {{customer.nmae}}!\n     ^", nProblems: 1},
		{name: "on the second line, spaces inside", body: "Hello,\n\tthanks {{ agent.nme }}", line: 2, col: 12, message: "{{agent.nme}} is not a placeholder", hint: "did you mean {{agent.name}}?",
			wantCaret: "\tthanks {{ agent.nme }}\n\t          ^", nProblems: 1},
		{name: "a rule's spelling", body: "@{{Customer.ScreenName}}", line: 1, col: 4, message: "{{Customer.ScreenName}} is not a placeholder",
			hint: "did you mean {{customer.screen_name}}? Placeholders are written in lower case, words joined by _", nProblems: 1},
		{name: "a group only", body: "Dear {{customer}}", line: 1, col: 8, message: "{{customer}} is not a placeholder",
			hint: "did you mean {{customer.name}} or {{customer.first_name}} or {{customer.screen_name}}?", nProblems: 1},
		{name: "nothing like it", body: "{{weather}}", line: 1, col: 3, message: "{{weather}} is not a placeholder", hint: "the placeholders are {{customer.name}}", nProblems: 1},
		{name: "not closed", body: "Hi {{customer.name, bye", line: 1, col: 4, message: "this placeholder is not closed", hint: "end it with }}", nProblems: 1},
		{name: "not closed before the next", body: "Hi {{customer.name {{agent.name}} {{x}}", line: 1, col: 4, message: "this placeholder is not closed", nProblems: 2},
		{name: "empty", body: "Hi {{ }}", line: 1, col: 4, message: "this placeholder names nothing", hint: "the placeholders are", nProblems: 1},
		{name: "after a multi-byte letter", body: "Grüße {{agnet.name}}", line: 1, col: 9, message: "{{agnet.name}} is not a placeholder", hint: "did you mean {{agent.name}}?", nProblems: 1},
	}
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.svc.CreateCannedResponse(context.Background(), w.admin, engine.CannedResponseInput{Shortcut: ptr("/x"), Title: ptr("x"), Body: &tt.body})
				var te *engine.TemplateError
				if !errors.As(err, &te) || !errors.Is(err, engine.ErrInvalid) {
					t.Fatalf("%v; want a template error", err)
				}
				if len(te.Problems) != tt.nProblems {
					t.Errorf("%d problems %+v; want %d", len(te.Problems), te.Problems, tt.nProblems)
				}
				p := te.Problems[0]
				if te.Field != "body" || p.Line != tt.line || p.Column != tt.col || p.Message != tt.message || !strings.HasPrefix(p.Hint, tt.hint) {
					t.Errorf("%s at line %d, column %d: %q (hint %q); want body at %d:%d: %q (hint %q…)", te.Field, p.Line, p.Column, p.Message, p.Hint, tt.line, tt.col, tt.message, tt.hint)
				}
				if tt.wantCaret != "" && p.Snippet != tt.wantCaret {
					t.Errorf("snippet\n%s\nwant\n%s", p.Snippet, tt.wantCaret)
				}
				if !strings.Contains(err.Error(), "line ") {
					t.Errorf("the message %q does not say where", err)
				}
			})
		}
	})
}

// TestRenderCannedResponse fills a response for a conversation: the
// customer's and agent's names and the queue, for the agent who holds it
// only, as a reply would be allowed.
func TestRenderCannedResponse(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ann := w.agent("Ann", 1, engine.PresenceAvailable)
		bob := w.agent("Bob", 1, engine.PresenceOffline)
		shared := w.canned(w.admin, "/hello", "Hello", "Hi {{customer.first_name}} (@{{customer.screen_name}}), {{agent.name}} of {{conversation.queue}} here.")
		personal := w.canned(bob, "/mine", "Bob's", "Bob says hi to {{customer.name}}")

		conv := w.ingest(w.dm("ev1", "alice", "my refund?")).ConversationID
		render := func(actor engine.Actor, id engine.CannedResponseID) (engine.RenderedResponse, error) {
			return w.svc.RenderCannedResponse(ctx, actor, conv, id)
		}
		if _, err := render(ann, shared.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("Ann renders before accepting: %v; want a conflict, as a reply", err)
		}
		if _, err := w.svc.Accept(ctx, ann, conv); err != nil {
			t.Fatal(err)
		}
		got, err := render(ann, shared.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Hi alice (@alice), Ann of General here."; got.Text != want || len(got.Empty) != 0 || got.Response.ID != shared.ID {
			t.Errorf("rendered %q (empty %v); want %q", got.Text, got.Empty, want)
		}
		if got, err := render(w.admin, shared.ID); err != nil || !strings.Contains(got.Text, "Ann of General") {
			t.Errorf("an admin renders %q, %v; want it as the conversation's agent, Ann", got.Text, err)
		}
		if _, err := render(bob, shared.ID); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("Bob renders for Ann's conversation: %v; want forbidden", err)
		}
		if _, err := render(ann, personal.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("Ann renders Bob's personal response: %v; want not found", err)
		}
		if _, err := w.svc.Close(ctx, ann, conv, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := render(ann, shared.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("Ann renders for a closed conversation: %v; want a conflict", err)
		}
	})
}
