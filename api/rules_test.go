package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/engine"
)

const noSuchRuleID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"

// ruleFixture is a work stream with a default queue and a second queue.
type ruleFixture struct {
	h              *harness
	defaultQ, vipQ string
	ws             string
	rules          string // the rules collection path
}

func newRuleFixture(t *testing.T, h *harness) ruleFixture {
	t.Helper()
	f := ruleFixture{h: h}
	f.defaultQ = h.create("/api/v1/queues", map[string]any{"name": "General"})
	f.vipQ = h.create("/api/v1/queues", map[string]any{"name": "VIP"})
	f.ws = h.create("/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": f.defaultQ})
	f.rules = "/api/v1/workstreams/" + f.ws + "/rules"
	return f
}

// rule creates a rule as admin and returns it as saved.
func (f ruleFixture) rule(t *testing.T, body map[string]any) savedRuleResponse {
	t.Helper()
	res := f.h.call("POST", f.rules, f.h.admin, body)
	if res.Code != http.StatusCreated {
		t.Fatalf("POST %s %v = %d %s", f.rules, body, res.Code, res.Body)
	}
	var r savedRuleResponse
	res.decode(t, &r)
	return r
}

// list returns the names of the work stream's rules in order, checking
// that positions are 1, 2, ….
func (f ruleFixture) list(t *testing.T) []ruleResponse {
	t.Helper()
	var l listResponse[ruleResponse]
	res := f.h.call("GET", f.rules, f.h.admin, nil)
	if res.Code != http.StatusOK {
		t.Fatalf("list rules = %d %s", res.Code, res.Body)
	}
	res.decode(t, &l)
	for i, r := range l.Items {
		if r.Position != i+1 {
			t.Errorf("rule %q at index %d has position %d; positions must be dense", r.Name, i, r.Position)
		}
	}
	return l.Items
}

func ruleNames(rs []ruleResponse) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// versions lists the rule-set versions, newest first.
func (f ruleFixture) versions(t *testing.T) []versionSummaryResponse {
	t.Helper()
	var l listResponse[versionSummaryResponse]
	f.h.call("GET", f.rules+"/versions", f.h.admin, nil).decode(t, &l)
	return l.Items
}

// ruleErrorDetails decodes the details of a 422 answer.
func ruleDetails(t *testing.T, res response) []ruleErrorDetail {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Details []ruleErrorDetail `json:"details"`
		} `json:"error"`
	}
	res.decode(t, &e)
	if e.Error.Code != "rule_invalid" {
		t.Errorf("error code = %q, want rule_invalid", e.Error.Code)
	}
	return e.Error.Details
}

func TestRuleEndpoints(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		vip := f.rule(t, map[string]any{"name": "VIP", "condition": "Customer.FollowersCount > 10000", "queue_id": f.vipQ})
		rule := f.rules + "/" + vip.ID
		q := func(s string) string { return strings.ReplaceAll(s, "'", `"`) }
		tests := []struct {
			name      string
			method    string
			path      string
			body      string
			wantCode  int
			wantError string
			wantField string
		}{
			{name: "create", method: "POST", path: f.rules, wantCode: 201, body: q(`{'name':'Refunds','condition':'Message.Text contains \"refund\"','queue_id':'` + f.vipQ + `','enabled':false,'position':1}`)},
			{name: "create structured", method: "POST", path: f.rules, wantCode: 201, body: q(`{'name':'Verified','conditions':{'all':[{'attribute':'Customer.Verified','operator':'is true'}]},'queue_id':'` + f.vipQ + `'}`)},
			{name: "create without name", method: "POST", path: f.rules, wantCode: 400, wantField: "name", body: q(`{'condition':'true','queue_id':'` + f.vipQ + `'}`)},
			{name: "create without condition", method: "POST", path: f.rules, wantCode: 400, wantField: "condition", body: q(`{'name':'A','queue_id':'` + f.vipQ + `'}`)},
			{name: "create without queue", method: "POST", path: f.rules, wantCode: 400, wantField: "queue_id", body: q(`{'name':'A','condition':'true'}`)},
			{name: "create with both forms", method: "POST", path: f.rules, wantCode: 400, wantField: "conditions", body: q(`{'name':'A','condition':'true','conditions':{'all':[{'attribute':'Customer.Verified','operator':'is true'}]},'queue_id':'` + f.vipQ + `'}`)},
			{name: "create with unknown structured key", method: "POST", path: f.rules, wantCode: 400, wantField: "conditions", body: q(`{'name':'A','conditions':{'every':[]},'queue_id':'` + f.vipQ + `'}`)},
			{name: "create with unknown field", method: "POST", path: f.rules, wantCode: 400, wantField: "urgency", body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `','urgency':1}`)},
			{name: "create with priority out of range", method: "POST", path: f.rules, wantCode: 400, wantField: "priority", body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `','priority':1001}`)},
			{name: "create with priority as text", method: "POST", path: f.rules, wantCode: 400, wantField: "priority", body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `','priority':'high'}`)},
			{name: "create with wrong type", method: "POST", path: f.rules, wantCode: 400, wantField: "enabled", body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `','enabled':'yes'}`)},
			{name: "create with malformed queue", method: "POST", path: f.rules, wantCode: 400, wantField: "queue_id", body: q(`{'name':'A','condition':'true','queue_id':'q1'}`)},
			{name: "create with unknown queue", method: "POST", path: f.rules, wantCode: 400, wantField: "queue_id", body: q(`{'name':'A','condition':'true','queue_id':'` + noSuchRuleID + `'}`)},
			{name: "create at position 0", method: "POST", path: f.rules, wantCode: 400, wantField: "position", body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `','position':0}`)},
			{name: "create with bad condition", method: "POST", path: f.rules, wantCode: 422, wantError: "rule_invalid", body: q(`{'name':'A','condition':'Customer.Folowers > 3','queue_id':'` + f.vipQ + `'}`)},
			{name: "create with bad structured condition", method: "POST", path: f.rules, wantCode: 422, wantError: "rule_invalid", body: q(`{'name':'A','conditions':{'any':[{'attribute':'Customer.Nope','operator':'is true'}]},'queue_id':'` + f.vipQ + `'}`)},
			{name: "create duplicate name", method: "POST", path: f.rules, wantCode: 409, wantError: "conflict", body: q(`{'name':'vip','condition':'true','queue_id':'` + f.vipQ + `'}`)},
			{name: "create in unknown work stream", method: "POST", path: "/api/v1/workstreams/" + noSuchRuleID + "/rules", wantCode: 404, body: q(`{'name':'A','condition':'true','queue_id':'` + f.vipQ + `'}`)},
			{name: "create in malformed work stream", method: "POST", path: "/api/v1/workstreams/ws1/rules", wantCode: 400, wantField: "id", body: `{}`},
			{name: "list", method: "GET", path: f.rules, wantCode: 200},
			{name: "list unknown work stream", method: "GET", path: "/api/v1/workstreams/" + noSuchRuleID + "/rules", wantCode: 404},
			{name: "get", method: "GET", path: rule, wantCode: 200},
			{name: "get unknown", method: "GET", path: f.rules + "/" + noSuchRuleID, wantCode: 404, wantError: "not_found"},
			{name: "get malformed", method: "GET", path: f.rules + "/r1", wantCode: 400, wantField: "rule_id"},
			{name: "patch", method: "PATCH", path: rule, wantCode: 200, body: `{"condition":"Customer.FollowersCount > 50000","enabled":true}`},
			{name: "patch bad condition", method: "PATCH", path: rule, wantCode: 422, body: `{"condition":"Customer.FollowersCount >"}`},
			{name: "patch blank name", method: "PATCH", path: rule, wantCode: 400, wantField: "name", body: `{"name":" "}`},
			{name: "patch to taken name", method: "PATCH", path: rule, wantCode: 409, body: `{"name":"REFUNDS"}`},
			{name: "patch unknown", method: "PATCH", path: f.rules + "/" + noSuchRuleID, wantCode: 404, body: `{"enabled":false}`},
			{name: "delete unknown", method: "DELETE", path: f.rules + "/" + noSuchRuleID, wantCode: 404},
			{name: "reorder not all rules", method: "PUT", path: f.rules + "/order", wantCode: 400, wantField: "rule_ids", body: `{"rule_ids":["` + vip.ID + `"]}`},
			{name: "reorder without ids", method: "PUT", path: f.rules + "/order", wantCode: 400, wantField: "rule_ids", body: `{}`},
			{name: "versions", method: "GET", path: f.rules + "/versions", wantCode: 200},
			{name: "versions bad limit", method: "GET", path: f.rules + "/versions?limit=-1", wantCode: 400, wantField: "limit"},
			{name: "versions unknown work stream", method: "GET", path: "/api/v1/workstreams/" + noSuchRuleID + "/rules/versions", wantCode: 404},
			{name: "version", method: "GET", path: f.rules + "/versions/1", wantCode: 200},
			{name: "version unknown", method: "GET", path: f.rules + "/versions/99", wantCode: 404},
			{name: "version malformed", method: "GET", path: f.rules + "/versions/one", wantCode: 400, wantField: "n"},
			{name: "version zero", method: "GET", path: f.rules + "/versions/0", wantCode: 400, wantField: "n"},
			{name: "restore", method: "POST", path: f.rules + "/versions/1/restore", wantCode: 201},
			{name: "restore unknown", method: "POST", path: f.rules + "/versions/99/restore", wantCode: 404},
			{name: "test", method: "POST", path: f.rules + "/test", wantCode: 200, body: `{"context":{"Customer":{"FollowersCount":20000}}}`},
			{name: "test without context", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "context", body: `{}`},
			{name: "test with unknown context key", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "context.Customer.Folowers", body: `{"context":{"Customer":{"Folowers":3}}}`},
			{name: "test with wrong context type", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "context.Customer.Tags[1]", body: `{"context":{"Customer":{"Tags":["a",2]}}}`},
			{name: "test with unknown body field", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "conversation", body: `{"conversation":"x"}`},
			{name: "test with bad unsaved rule", method: "POST", path: f.rules + "/test", wantCode: 422, body: `{"context":{},"rules":[{"name":"X","condition":"Hour >","queue_id":"` + f.vipQ + `"}]}`},
			{name: "test with unsaved rule missing queue", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "rules[0].queue_id", body: `{"context":{},"rules":[{"name":"X","condition":"true"}]}`},
			{name: "test with unsaved rule unknown field", method: "POST", path: f.rules + "/test", wantCode: 400, wantField: "rules[0].when", body: `{"context":{},"rules":[{"name":"X","when":"true"}]}`},
			{name: "test unknown work stream", method: "POST", path: "/api/v1/workstreams/" + noSuchRuleID + "/rules/test", wantCode: 404, body: `{"context":{}}`},
			{name: "fields", method: "GET", path: "/api/v1/rules/fields", wantCode: 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				res := h.call(tt.method, tt.path, h.admin, body)
				if res.Code != tt.wantCode {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantError != "" && res.errorCode(t) != tt.wantError {
					t.Errorf("error code = %q, want %q", res.errorCode(t), tt.wantError)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names field %q, want %q: %s", res.errorField(t), tt.wantField, res.Body)
				}
			})
		}
	})
}

func TestRuleCompileErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		vip := f.rule(t, map[string]any{"name": "VIP", "condition": "Customer.FollowersCount > 10000", "queue_id": f.vipQ})
		before, beforeVersions := f.list(t), f.versions(t)

		bad := []struct {
			name       string
			method     string
			path       string
			body       map[string]any
			wantField  string
			wantLine   int
			wantColumn int
			wantPath   string
			wantHint   string
		}{
			{name: "misspelt field", method: "POST", path: f.rules,
				body:      map[string]any{"name": "Big", "condition": "Customer.FollowerCount > 3", "queue_id": f.vipQ},
				wantField: "condition", wantLine: 1, wantColumn: 10, wantHint: "did you mean Customer.FollowersCount?"},
			{name: "second line", method: "POST", path: f.rules,
				body:      map[string]any{"name": "Big", "condition": "Customer.Verified &&\n  Message.Txt contains \"x\"", "queue_id": f.vipQ},
				wantField: "condition", wantLine: 2, wantHint: "did you mean Message.Text?"},
			{name: "structured", method: "POST", path: f.rules,
				body:      map[string]any{"name": "Big", "conditions": map[string]any{"any": []any{map[string]any{"attribute": "Customer.Verified", "operator": "greater", "value": 3}}}, "queue_id": f.vipQ},
				wantField: "conditions", wantPath: "any[0].operator"},
			{name: "patch", method: "PATCH", path: f.rules + "/" + vip.ID,
				body:      map[string]any{"condition": "Customer.FollowersCount > \"many\"", "name": "Renamed"},
				wantField: "condition", wantLine: 1},
			{name: "patch a disabled rule", method: "PATCH", path: f.rules + "/" + vip.ID,
				body:      map[string]any{"condition": "Hour ==", "enabled": false},
				wantField: "condition", wantLine: 1},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call(tt.method, tt.path, h.admin, tt.body)
				if res.Code != http.StatusUnprocessableEntity {
					t.Fatalf("%s = %d %s, want 422", tt.name, res.Code, res.Body)
				}
				d := ruleDetails(t, res)
				if len(d) != 1 {
					t.Fatalf("details = %+v, want one", d)
				}
				got := d[0]
				if got.Field != tt.wantField || got.Line != tt.wantLine || got.Path != tt.wantPath || got.Message == "" {
					t.Errorf("detail = %+v, want field %q line %d path %q and a message", got, tt.wantField, tt.wantLine, tt.wantPath)
				}
				if tt.wantColumn != 0 && got.Column != tt.wantColumn {
					t.Errorf("column = %d, want %d (%+v)", got.Column, tt.wantColumn, got)
				}
				if tt.wantLine > 0 && got.Column < 1 {
					t.Errorf("column = %d, want one from 1", got.Column)
				}
				if tt.wantHint != "" && got.Hint != tt.wantHint {
					t.Errorf("hint = %q, want %q", got.Hint, tt.wantHint)
				}
			})
		}

		// Saving a bad rule changed nothing: the same rules, no new version.
		if after := f.list(t); !reflect.DeepEqual(after, before) {
			t.Errorf("rules after refused saves:\n got %+v\nwant %+v", after, before)
		}
		if after := f.versions(t); !reflect.DeepEqual(after, beforeVersions) {
			t.Errorf("versions after refused saves:\n got %+v\nwant %+v", after, beforeVersions)
		}

		// Several bad unsaved rules: one detail per rule.
		res := h.call("POST", f.rules+"/test", h.admin, map[string]any{"context": map[string]any{}, "rules": []any{
			map[string]any{"name": "A", "condition": "Hour >", "queue_id": f.vipQ},
			map[string]any{"name": "B", "condition": "true", "queue_id": f.vipQ},
			map[string]any{"name": "C", "condition": "Weekday == 3", "queue_id": f.vipQ},
		}})
		if res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("test with two bad rules = %d %s", res.Code, res.Body)
		}
		d := ruleDetails(t, res)
		if len(d) != 2 || d[0].Field != "rules[0].condition" || d[1].Field != "rules[2].condition" || d[1].RuleName != "C" {
			t.Errorf("details = %+v, want rules[0] and rules[2]", d)
		}
	})
}

func TestRulePositions(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		ids := map[string]string{}
		for _, n := range []string{"A", "B", "C"} {
			ids[n] = f.rule(t, map[string]any{"name": n, "condition": "true", "queue_id": f.vipQ}).ID
		}
		steps := []struct {
			name   string
			method string
			path   string
			body   any
			want   []string
		}{
			{"insert at 1 shifts the others", "POST", f.rules, map[string]any{"name": "D", "condition": "Hour > 3", "queue_id": f.vipQ, "position": 1}, []string{"D", "A", "B", "C"}},
			{"insert in the middle", "POST", f.rules, map[string]any{"name": "E", "condition": "Hour > 4", "queue_id": f.vipQ, "position": 3}, []string{"D", "A", "E", "B", "C"}},
			{"past the end goes last", "POST", f.rules, map[string]any{"name": "F", "condition": "Hour > 5", "queue_id": f.vipQ, "position": 99}, []string{"D", "A", "E", "B", "C", "F"}},
			{"move up", "PATCH", "C", map[string]any{"position": 2}, []string{"D", "C", "A", "E", "B", "F"}},
			{"move down", "PATCH", "D", map[string]any{"position": 4}, []string{"C", "A", "E", "D", "B", "F"}},
			{"move past the end", "PATCH", "C", map[string]any{"position": 50}, []string{"A", "E", "D", "B", "F", "C"}},
			{"delete closes the gap", "DELETE", "E", nil, []string{"A", "D", "B", "F", "C"}},
			{"disable keeps the place", "PATCH", "D", map[string]any{"enabled": false}, []string{"A", "D", "B", "F", "C"}},
		}
		for _, st := range steps {
			path := st.path
			if st.method != "POST" {
				path = f.rules + "/" + ids[st.path]
			}
			res := h.call(st.method, path, h.admin, st.body)
			if res.Code >= 300 {
				t.Fatalf("%s: %s %s = %d %s", st.name, st.method, path, res.Code, res.Body)
			}
			if st.method == "POST" {
				var r savedRuleResponse
				res.decode(t, &r)
				ids[r.Name] = r.ID
			}
			if got := ruleNames(f.list(t)); !slices.Equal(got, st.want) {
				t.Errorf("%s: order = %v, want %v", st.name, got, st.want)
			}
		}

		// Reorder: a permutation of every rule.
		order := []string{"C", "F", "B", "D", "A"}
		var ruleIDs []string
		for _, n := range order {
			ruleIDs = append(ruleIDs, ids[n])
		}
		res := h.call("PUT", f.rules+"/order", h.admin, map[string]any{"rule_ids": ruleIDs})
		if res.Code != http.StatusOK {
			t.Fatalf("reorder = %d %s", res.Code, res.Body)
		}
		var v versionResponse
		res.decode(t, &v)
		if got := ruleNames(v.Rules); !slices.Equal(got, order) {
			t.Errorf("reorder answered %v, want %v", got, order)
		}
		if got := ruleNames(f.list(t)); !slices.Equal(got, order) {
			t.Errorf("after reorder: %v, want %v", got, order)
		}
		dup := []string{ids["C"], ids["C"], ids["B"], ids["D"], ids["A"]}
		if res := h.call("PUT", f.rules+"/order", h.admin, map[string]any{"rule_ids": dup}); res.Code != http.StatusBadRequest || res.errorField(t) != "rule_ids" {
			t.Errorf("reorder with a duplicate = %d %s, want 400 naming rule_ids", res.Code, res.Body)
		}
	})
}

func TestRuleVersionsAndRestore(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		analyst := h.key(engine.RoleAnalyst, "")
		a := f.rule(t, map[string]any{"name": "A", "condition": "Customer.Verified", "queue_id": f.vipQ}) // v1
		group := map[string]any{"all": []any{map[string]any{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"}}}
		b := f.rule(t, map[string]any{"name": "B", "conditions": group, "queue_id": f.defaultQ, "enabled": false}) // v2
		if a.Version != 1 || b.Version != 2 {
			t.Errorf("versions of the creates = %d, %d; want 1, 2", a.Version, b.Version)
		}
		var v2 versionResponse
		h.call("GET", f.rules+"/versions/2", h.admin, nil).decode(t, &v2)
		// v3 by the analyst, v4, v5.
		if res := h.call("PATCH", f.rules+"/"+a.ID, analyst, map[string]any{"condition": "Hour < 9", "name": "Early", "queue_id": f.defaultQ}); res.Code != http.StatusOK {
			t.Fatalf("patch = %d %s", res.Code, res.Body)
		}
		f.rule(t, map[string]any{"name": "C", "condition": "true", "queue_id": f.vipQ, "position": 1})
		if res := h.call("DELETE", f.rules+"/"+b.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete = %d %s", res.Code, res.Body)
		}

		vs := f.versions(t)
		var nums []int
		for _, v := range vs {
			nums = append(nums, v.Number)
			if v.At == "" || v.Summary == "" || v.Author == "" {
				t.Errorf("version %+v lacks time, summary or author", v)
			}
		}
		if fmt.Sprint(nums) != "[5 4 3 2 1]" {
			t.Fatalf("version numbers = %v, want 5..1 newest first", nums)
		}
		if vs[2].Author == vs[1].Author || !strings.HasPrefix(vs[2].Author, "analyst-") {
			t.Errorf("version 3 author = %q, want the analyst key's name", vs[2].Author)
		}
		if !strings.Contains(vs[0].Summary, `deleted rule "B"`) || !strings.Contains(vs[2].Summary, `updated rule "Early"`) || vs[0].RuleCount != 2 {
			t.Errorf("summaries: %+v", vs)
		}
		var page listResponse[versionSummaryResponse]
		h.call("GET", f.rules+"/versions?limit=2", h.admin, nil).decode(t, &page)
		if len(page.Items) != 2 || page.NextCursor == nil {
			t.Fatalf("first page = %+v", page)
		}
		h.call("GET", f.rules+"/versions?limit=2&cursor="+*page.NextCursor, h.admin, nil).decode(t, &page)
		if len(page.Items) != 2 || page.Items[0].Number != 3 {
			t.Errorf("second page = %+v, want versions 3 and 2", page.Items)
		}

		// Restore version 2: a new version 6 with exactly version 2's rules.
		res := h.call("POST", f.rules+"/versions/2/restore", analyst, nil)
		if res.Code != http.StatusCreated {
			t.Fatalf("restore = %d %s", res.Code, res.Body)
		}
		var v6 versionResponse
		res.decode(t, &v6)
		if v6.Number != 6 || !strings.Contains(v6.Summary, "restored rule set version 2") {
			t.Errorf("restore made %d %q", v6.Number, v6.Summary)
		}
		essentials := func(rs []ruleResponse) []ruleResponse {
			out := make([]ruleResponse, len(rs))
			for i, r := range rs {
				r.CreatedAt, r.UpdatedAt = "", ""
				out[i] = r
			}
			return out
		}
		if !reflect.DeepEqual(essentials(v6.Rules), essentials(v2.Rules)) {
			t.Errorf("restored rules:\n got %+v\nwant %+v", v6.Rules, v2.Rules)
		}
		if cur := f.list(t); !reflect.DeepEqual(essentials(cur), essentials(v2.Rules)) {
			t.Errorf("current rules after restore:\n got %+v\nwant %+v", cur, v2.Rules)
		}
		if len(v2.Rules) != 2 || v2.Rules[1].Conditions == nil || v2.Rules[1].Enabled {
			t.Errorf("version 2 = %+v, want A and the disabled structured B", v2.Rules)
		}

		// The restored set routes at once, as version 6.
		var out ruleTestResponse
		h.call("POST", f.rules+"/test", h.admin, map[string]any{"context": map[string]any{"Customer": map[string]any{"Verified": true}}}).decode(t, &out)
		if out.Version != 6 || out.MatchedRule == nil || out.MatchedRule.ID != a.ID || out.QueueID != f.vipQ {
			t.Errorf("test after restore = %+v, want rule A of version 6", out)
		}

		// A version whose queue is gone cannot be restored.
		h.call("PATCH", f.rules+"/"+b.ID, h.admin, map[string]any{"queue_id": f.vipQ}) // v7: nothing uses defaultQ's rule any more
		tmpQ := h.create("/api/v1/queues", map[string]any{"name": "Temp"})
		h.call("PATCH", f.rules+"/"+b.ID, h.admin, map[string]any{"queue_id": tmpQ})   // v8
		h.call("PATCH", f.rules+"/"+b.ID, h.admin, map[string]any{"queue_id": f.vipQ}) // v9
		if res := h.call("DELETE", "/api/v1/queues/"+tmpQ, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete unused queue = %d %s", res.Code, res.Body)
		}
		if res := h.call("POST", f.rules+"/versions/8/restore", h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("restore of a version with a deleted queue = %d %s, want 409", res.Code, res.Body)
		}
	})
}

func TestRuleTest(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		off := f.rule(t, map[string]any{"name": "Off", "condition": "true", "queue_id": f.vipQ, "enabled": false})
		en := f.rule(t, map[string]any{"name": "English", "condition": `Customer.Language == "en" && Customer.FollowersCount > 100`, "queue_id": f.defaultQ})
		vip := f.rule(t, map[string]any{"name": "VIP", "condition": `"vip" in Customer.Tags`, "queue_id": f.vipQ})

		test := func(body map[string]any) ruleTestResponse {
			t.Helper()
			res := h.call("POST", f.rules+"/test", h.admin, body)
			if res.Code != http.StatusOK {
				t.Fatalf("test %v = %d %s", body, res.Code, res.Body)
			}
			var out ruleTestResponse
			res.decode(t, &out)
			return out
		}

		// The second enabled rule matches; the trace shows both evaluated.
		out := test(map[string]any{"context": map[string]any{"Customer": map[string]any{"Tags": []string{"vip"}, "Language": "de"}}})
		if out.MatchedRule == nil || out.MatchedRule.ID != vip.ID || out.MatchedRule.Name != "VIP" || out.QueueID != f.vipQ || out.Version != 3 || out.Reason != "matched" {
			t.Errorf("answer = %+v, want VIP in version 3", out)
		}
		if len(out.Trace) != 2 || out.Trace[0].RuleID != en.ID || out.Trace[0].Result || out.Trace[1].RuleID != vip.ID || !out.Trace[1].Result {
			t.Errorf("trace = %+v, want English false then VIP true (Off is disabled)", out.Trace)
		}
		if out.Trace[1].Values["Customer.Tags"] == nil {
			t.Errorf("matched rule's values = %v, want Customer.Tags", out.Trace[1].Values)
		}
		_ = off

		// Nothing matches: the default queue, matched_rule null.
		out = test(map[string]any{"context": map[string]any{}})
		if out.MatchedRule != nil || out.QueueID != f.defaultQ || out.Reason != "default" || len(out.Trace) != 2 {
			t.Errorf("answer = %+v, want the default queue", out)
		}

		// Unsaved rules: tested in their positions, version 0, nothing saved.
		out = test(map[string]any{"context": map[string]any{"Hour": 8}, "rules": []any{
			map[string]any{"name": "Late", "condition": "Hour >= 18", "queue_id": f.vipQ, "position": 2},
			map[string]any{"name": "Early", "conditions": map[string]any{"all": []any{map[string]any{"attribute": "Hour", "operator": "less", "value": 9}}}, "queue_id": f.vipQ, "position": 1},
		}})
		if out.Version != 0 || out.MatchedRule == nil || out.MatchedRule.Name != "Early" || out.MatchedRule.ID != "rules[1]" || len(out.Trace) != 1 {
			t.Errorf("unsaved answer = %+v, want Early (rules[1]) first", out)
		}
		out = test(map[string]any{"context": map[string]any{"Hour": 8}, "rules": []any{}})
		if out.Version != 0 || out.MatchedRule != nil || out.QueueID != f.defaultQ {
			t.Errorf("empty unsaved set = %+v, want the default queue", out)
		}
		if vs := f.versions(t); len(vs) != 3 {
			t.Errorf("testing saved something: %d versions", len(vs))
		}

		// The engine's routing: the current set is cached and replaced by a change.
		ctx := context.Background()
		s1, err := h.svc.CurrentRuleSet(ctx, engine.WorkStreamID(f.ws))
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := h.svc.CurrentRuleSet(ctx, engine.WorkStreamID(f.ws))
		if s1 != s2 || s1.Version() != 3 || s1.DefaultQueueID() != f.defaultQ {
			t.Errorf("current set: %p v%d, again %p; want one cached version 3", s1, s1.Version(), s2)
		}
		h.call("PATCH", f.rules+"/"+vip.ID, h.admin, map[string]any{"enabled": false})
		s3, _ := h.svc.CurrentRuleSet(ctx, engine.WorkStreamID(f.ws))
		d := s3.Route(&dsl.Context{Customer: dsl.Customer{Tags: []string{"vip"}}})
		if s3.Version() != 4 || d.Rule != nil || d.Version != 4 {
			t.Errorf("after disabling VIP: version %d, decision %+v", s3.Version(), d)
		}
		h.call("PATCH", "/api/v1/workstreams/"+f.ws, h.admin, map[string]any{"default_queue_id": f.vipQ})
		if s4, _ := h.svc.CurrentRuleSet(ctx, engine.WorkStreamID(f.ws)); s4.DefaultQueueID() != f.vipQ {
			t.Errorf("after a new default queue the set routes to %s", s4.DefaultQueueID())
		}
	})
}

func TestRuleWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		first := f.rule(t, map[string]any{"name": "Everyone", "condition": "true", "queue_id": f.vipQ})
		if len(first.Warnings) == 0 || first.Warnings[0].Code != "always-true" || first.Warnings[0].RuleID != first.ID {
			t.Errorf("warnings = %+v, want always-true on the rule", first.Warnings)
		}
		second := f.rule(t, map[string]any{"name": "Never reached", "condition": "Hour > 3", "queue_id": f.vipQ})
		found := false
		for _, w := range second.Warnings {
			found = found || (w.RuleID == second.ID && w.Code == "unreachable")
		}
		if !found {
			t.Errorf("warnings = %+v, want unreachable on the second rule", second.Warnings)
		}

		// The rule set's warnings as they stand, read without changing anything.
		analyst := h.key(engine.RoleAnalyst, "")
		codes := func() map[string]string {
			var got struct {
				Warnings []warningResponse `json:"warnings"`
			}
			res := h.call("GET", f.rules+"/warnings", analyst, nil)
			if res.Code != http.StatusOK {
				t.Fatalf("GET warnings = %d %s", res.Code, res.Body)
			}
			res.decode(t, &got)
			out := map[string]string{}
			for _, w := range got.Warnings {
				out[w.RuleID] += w.Code + " "
			}
			return out
		}
		if got := codes(); !strings.Contains(got[first.ID], "always-true") || !strings.Contains(got[second.ID], "unreachable") {
			t.Errorf("warnings as they stand = %v, want always-true on %s and unreachable on %s", got, first.ID, second.ID)
		}
		h.call("PATCH", f.rules+"/"+first.ID, h.admin, map[string]any{"enabled": false})
		if got := codes(); len(got) != 0 {
			t.Errorf("with the catch-all disabled, warnings = %v, want none", got)
		}
		if res := h.call("GET", "/api/v1/workstreams/"+noSuchRuleID+"/rules/warnings", analyst, nil); res.Code != http.StatusNotFound {
			t.Errorf("warnings of an unknown work stream = %d, want 404", res.Code)
		}
	})
}

func TestRulesKeepTheirResourcesInUse(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		r := f.rule(t, map[string]any{"name": "VIP", "condition": "true", "queue_id": f.vipQ})
		if res := h.call("DELETE", "/api/v1/queues/"+f.vipQ, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("deleting a rule's queue = %d %s, want 409", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/workstreams/"+f.ws, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("deleting a work stream with rules = %d %s, want 409", res.Code, res.Body)
		}
		if res := h.call("DELETE", f.rules+"/"+r.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete rule = %d %s", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/queues/"+f.vipQ, h.admin, nil); res.Code != http.StatusNoContent {
			t.Errorf("deleting a queue no rule uses = %d %s, want 204", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/workstreams/"+f.ws, h.admin, nil); res.Code != http.StatusNoContent {
			t.Errorf("deleting a work stream without rules = %d %s, want 204 (its versions go with it)", res.Code, res.Body)
		}
	})
}

func TestRuleRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		r := f.rule(t, map[string]any{"name": "VIP", "condition": "true", "queue_id": f.vipQ})
		analyst, agent := h.key(engine.RoleAnalyst, ""), h.key(engine.RoleAgent, "")
		routes := []struct {
			method, path string
			body         any
			analystCode  int
		}{
			{"POST", f.rules, map[string]any{"name": "B", "condition": "true", "queue_id": f.vipQ}, 201},
			{"GET", f.rules, nil, 200},
			{"GET", f.rules + "/" + r.ID, nil, 200},
			{"PATCH", f.rules + "/" + r.ID, map[string]any{"enabled": false}, 200},
			{"PUT", f.rules + "/order", map[string]any{"rule_ids": []string{}}, 400},
			{"GET", f.rules + "/versions", nil, 200},
			{"GET", f.rules + "/versions/1", nil, 200},
			{"POST", f.rules + "/versions/1/restore", nil, 201},
			{"POST", f.rules + "/test", map[string]any{"context": map[string]any{}}, 200},
			{"DELETE", f.rules + "/" + r.ID, nil, 204},
			{"GET", "/api/v1/rules/fields", nil, 200},
		}
		for _, rt := range routes {
			if res := h.call(rt.method, rt.path, "", rt.body); res.Code != http.StatusUnauthorized {
				t.Errorf("%s %s without a token = %d, want 401", rt.method, rt.path, res.Code)
			}
			wantAgent := http.StatusForbidden
			if rt.path == "/api/v1/rules/fields" {
				wantAgent = http.StatusOK
			}
			if res := h.call(rt.method, rt.path, agent, rt.body); res.Code != wantAgent {
				t.Errorf("%s %s as agent = %d %s, want %d", rt.method, rt.path, res.Code, res.Body, wantAgent)
			}
			if res := h.call(rt.method, rt.path, analyst, rt.body); res.Code != rt.analystCode {
				t.Errorf("%s %s as analyst = %d %s, want %d", rt.method, rt.path, res.Code, res.Body, rt.analystCode)
			}
		}
		var cat fieldsResponse
		h.call("GET", "/api/v1/rules/fields", agent, nil).decode(t, &cat)
		if len(cat.Fields) == 0 || len(cat.Operators) == 0 || len(cat.Functions) == 0 || cat.Fields[0].Path == "" || cat.Fields[0].Type == "" {
			t.Errorf("catalogue = %+v", cat)
		}
	})
}

func TestRuleWritesAreAudited(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		a := f.rule(t, map[string]any{"name": "A", "condition": "true", "queue_id": f.vipQ})
		b := f.rule(t, map[string]any{"name": "B", "condition": "Hour > 3", "queue_id": f.vipQ})
		h.call("PATCH", f.rules+"/"+a.ID, h.admin, map[string]any{"enabled": false})
		h.call("PUT", f.rules+"/order", h.admin, map[string]any{"rule_ids": []string{b.ID, a.ID}})
		h.call("POST", f.rules+"/versions/1/restore", h.admin, nil)
		h.call("DELETE", f.rules+"/"+a.ID, h.admin, nil)
		h.call("PATCH", f.rules+"/"+b.ID, h.admin, map[string]any{"condition": "Hour >"}) // refused: not audited

		want := []struct{ resource, action, id string }{
			{"rule", "delete", a.ID}, {"rule_set", "restore", f.ws}, {"rule_set", "reorder", f.ws},
			{"rule", "update", a.ID}, {"rule", "create", b.ID}, {"rule", "create", a.ID},
		}
		entries := ruleAudit(t, h)
		if len(entries) != len(want) {
			t.Fatalf("rule audit entries = %+v, want %d", entries, len(want))
		}
		for i, w := range want {
			e := entries[i]
			if e.Resource != w.resource || e.Action != w.action || e.ResourceID != w.id || !strings.Contains(e.Summary, "rule set version") {
				t.Errorf("entry %d = %+v, want %s %s %s citing the version", i, e, w.action, w.resource, w.id)
			}
		}
	})
}

// TestRuleChangesThatChangeNothing: a change that leaves the rules as they
// are answers with the current version and adds no version and no audit
// entry; a real change after them, and a restore, make the next version.
func TestRuleChangesThatChangeNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		group := map[string]any{"all": []any{map[string]any{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"}}}
		a := f.rule(t, map[string]any{"name": "A", "condition": "Customer.Verified", "queue_id": f.vipQ})          // v1
		b := f.rule(t, map[string]any{"name": "B", "conditions": group, "queue_id": f.defaultQ, "enabled": false}) // v2
		auditBefore, rulesBefore := len(ruleAudit(t, h)), f.list(t)
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			versionField       string
		}{
			{"patch with the same fields", "PATCH", f.rules + "/" + a.ID,
				map[string]any{"name": "A", "condition": "Customer.Verified", "queue_id": f.vipQ, "enabled": true, "position": 1}, "version"},
			{"patch with the same structured conditions", "PATCH", f.rules + "/" + b.ID, map[string]any{"conditions": group, "enabled": false}, "version"},
			{"empty patch", "PATCH", f.rules + "/" + a.ID, map[string]any{}, "version"},
			{"the same order", "PUT", f.rules + "/order", map[string]any{"rule_ids": []string{a.ID, b.ID}}, "number"},
		} {
			res := h.call(tc.method, tc.path, h.admin, tc.body)
			if res.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.name, res.Code, res.Body)
			}
			var got map[string]any
			res.decode(t, &got)
			if got[tc.versionField] != float64(2) {
				t.Errorf("%s answered %s %v; want the current version 2", tc.name, tc.versionField, got[tc.versionField])
			}
		}
		if vs := f.versions(t); len(vs) != 2 || vs[0].Number != 2 {
			t.Errorf("versions after changes that change nothing = %+v; want 2 and 1 only", vs)
		}
		if n := len(ruleAudit(t, h)); n != auditBefore {
			t.Errorf("changes that change nothing added %d audit entries", n-auditBefore)
		}
		if rs := f.list(t); !reflect.DeepEqual(rs, rulesBefore) {
			t.Errorf("the rules changed without a change:\n%+v\nwere\n%+v", rs, rulesBefore)
		}
		var changed savedRuleResponse
		h.call("PATCH", f.rules+"/"+a.ID, h.admin, map[string]any{"enabled": false}).decode(t, &changed)
		if changed.Version != 3 || changed.Enabled {
			t.Errorf("a real change = version %d, enabled %v; want version 3, disabled", changed.Version, changed.Enabled)
		}
		// A restore is asked for explicitly: it makes its version even when
		// the rules are those of the version restored.
		var restored versionResponse
		if res := h.call("POST", f.rules+"/versions/3/restore", h.admin, nil); res.Code != http.StatusCreated {
			t.Fatalf("restore the current version = %d %s", res.Code, res.Body)
		} else {
			res.decode(t, &restored)
		}
		if restored.Number != 4 {
			t.Errorf("restoring the current version made version %d, want 4", restored.Number)
		}
	})
}

// ruleAudit returns the audit entries about rules and rule sets.
func ruleAudit(t *testing.T, h *harness) []auditResponse {
	t.Helper()
	var got listResponse[auditResponse]
	h.call("GET", "/api/v1/audit?limit=500", h.admin, nil).decode(t, &got)
	var out []auditResponse
	for _, e := range got.Items {
		if e.Resource == "rule" || e.Resource == "rule_set" {
			out = append(out, e)
		}
	}
	return out
}

func TestConcurrentRuleChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		const n = 4
		errs := make(chan error, n)
		for i := range n {
			go func() {
				in := engine.RuleInput{Name: rulePtr(fmt.Sprintf("R%d", i)), Condition: rulePtr("true"), QueueID: rulePtr(engine.QueueID(f.vipQ)), Position: rulePtr(1)}
				_, err := h.svc.CreateRule(context.Background(), engine.Actor{Name: "test"}, engine.WorkStreamID(f.ws), in)
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}
		if got := len(f.list(t)); got != n {
			t.Errorf("%d rules, want %d", got, n)
		}
		vs := f.versions(t)
		if len(vs) != n || vs[0].Number != n || vs[0].RuleCount != n {
			t.Errorf("versions = %+v, want %d, the last with every rule", vs, n)
		}
	})
}

func rulePtr[T any](v T) *T { return &v }

func TestRuleConditions(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		f := newRuleFixture(t, h)
		const path = "/api/v1/rules/conditions"
		analyst, agent := h.key(engine.RoleAnalyst, ""), h.key(engine.RoleAgent, "")
		type answer struct {
			Conditions map[string]any `json:"conditions"`
			Condition  string         `json:"condition"`
		}

		shown := []struct {
			name, condition, conditions, canonical string
		}{
			{"vip", `Customer.FollowersCount > 10000 || ("vip" in Customer.Tags && Customer.Verified)`,
				`{"any": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000},
					{"all": [{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"}, {"attribute": "Customer.Verified", "operator": "is true"}]}]}`,
				`Customer.FollowersCount > 10000 || ("vip" in Customer.Tags && Customer.Verified)`},
			{"an analyst's spelling", "10000 < Customer.FollowersCount and\n  Message.Text not contains \"spam\" and not Customer.Protected",
				`{"all": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000},
					{"attribute": "Message.Text", "operator": "does not contain", "value": "spam"}, {"attribute": "Customer.Protected", "operator": "is false"}]}`,
				`Customer.FollowersCount > 10000 && not (Message.Text contains "spam") && !Customer.Protected`},
			{"lists, ranges, times", `Weekday in ["Saturday", "Sunday"] && between(Hour, 9, 17.5) && Now > date("2026-11-24T14:05:00Z") && len(Customer.Tags) == 0`,
				`{"all": [{"attribute": "Weekday", "operator": "in", "value": ["Saturday", "Sunday"]},
					{"attribute": "Hour", "operator": "between", "value": [9, 17.5]},
					{"attribute": "Now", "operator": "greater", "value": "2026-11-24T14:05:00Z"},
					{"attribute": "Customer.Tags", "operator": "is empty"}]}`,
				`Weekday in ["Saturday", "Sunday"] && between(Hour, 9, 17.5) && Now > date("2026-11-24T14:05:00Z") && len(Customer.Tags) == 0`},
		}
		for _, tt := range shown {
			t.Run(tt.name, func(t *testing.T) {
				for _, token := range []string{analyst, h.admin} {
					res := h.call("POST", path, token, map[string]any{"condition": tt.condition})
					if res.Code != http.StatusOK {
						t.Fatalf("POST %s %q = %d %s, want 200", path, tt.condition, res.Code, res.Body)
					}
					var got answer
					res.decode(t, &got)
					var want map[string]any
					if err := json.Unmarshal([]byte(tt.conditions), &want); err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got.Conditions, want) || got.Condition != tt.canonical {
						t.Errorf("answer = %s\nwant conditions %s and condition %s", res.Body, tt.conditions, tt.canonical)
					}
				}
				// The answer's conditions are a rule request's conditions.
				var got answer
				h.call("POST", path, analyst, map[string]any{"condition": tt.condition}).decode(t, &got)
				saved := f.rule(t, map[string]any{"name": tt.name, "conditions": got.Conditions, "queue_id": f.vipQ})
				if saved.Condition != tt.canonical {
					t.Errorf("a rule saved with the answer's conditions has the condition %q, want %q", saved.Condition, tt.canonical)
				}
			})
		}

		refused := []struct {
			name, condition string
			line, column    int
			message, hint   string // hint: a substring
			summary         string // the start of the error's message
		}{
			{"a function", `Customer.Verified && textHasAny(["refund", "chargeback"])`, 1, 22,
				"the form cannot show this part: textHasAny(...)", "keep editing it as text", "the form cannot show the rule"},
			{"two fields on a later line", "Hour > 9 ||\n  Customer.FollowersCount > Customer.FriendsCount", 2, 3,
				"the form cannot show this part: Customer.FollowersCount > Customer.FriendsCount", "keep editing it as text", "the form cannot show the rule"},
			{"does not compile", `Customer.FollowerCount > 10000`, 1, 10,
				"Customer has no field FollowerCount", "did you mean Customer.FollowersCount?", "the rule does not compile"},
			{"empty", ``, 1, 1, "the rule is empty", "write a condition", "the rule does not compile"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call("POST", path, analyst, map[string]any{"condition": tt.condition})
				if res.Code != http.StatusUnprocessableEntity {
					t.Fatalf("POST %s %q = %d %s, want 422", path, tt.condition, res.Code, res.Body)
				}
				var body errorBody
				res.decode(t, &body)
				if !strings.HasPrefix(body.Error.Message, tt.summary+": condition line ") {
					t.Errorf("message = %q, want it to start with %q", body.Error.Message, tt.summary)
				}
				d := ruleDetails(t, res)
				if len(d) != 1 {
					t.Fatalf("details = %+v, want one", d)
				}
				got := d[0]
				if got.Field != "condition" || got.Line != tt.line || got.Column != tt.column || got.Message != tt.message ||
					!strings.Contains(got.Hint, tt.hint) || !strings.Contains(got.Snippet, "^") || got.Path != "" {
					t.Errorf("detail = %+v\nwant condition %d:%d %q, a hint with %q and a snippet", got, tt.line, tt.column, tt.message, tt.hint)
				}
			})
		}

		// The way back: the form's conditions answer their text, which
		// turns into the same conditions again.
		for _, tt := range shown {
			t.Run("the text of "+tt.name, func(t *testing.T) {
				var conds map[string]any
				if err := json.Unmarshal([]byte(tt.conditions), &conds); err != nil {
					t.Fatal(err)
				}
				res := h.call("POST", path, analyst, map[string]any{"conditions": conds})
				if res.Code != http.StatusOK {
					t.Fatalf("POST %s conditions = %d %s, want 200", path, res.Code, res.Body)
				}
				var got answer
				res.decode(t, &got)
				if got.Condition != tt.canonical || !reflect.DeepEqual(got.Conditions, conds) {
					t.Errorf("answer = %s\nwant condition %s and the same conditions", res.Body, tt.canonical)
				}
			})
		}
		for _, tt := range []struct {
			name, conditions, field, path, message string
		}{
			{"an unknown attribute", `{"all": [{"attribute": "Customer.Folowers", "operator": "greater", "value": 1}]}`,
				"conditions", "all[0].attribute", "unknown attribute Customer.Folowers"},
			{"a value of the wrong type", `{"any": [{"attribute": "Hour", "operator": "greater", "value": 1}, {"attribute": "Customer.FollowersCount", "operator": "less", "value": "many"}]}`,
				"conditions", "any[1].value", "Customer.FollowersCount is a number, but the value is text \"many\""},
		} {
			t.Run("refused "+tt.name, func(t *testing.T) {
				var conds map[string]any
				if err := json.Unmarshal([]byte(tt.conditions), &conds); err != nil {
					t.Fatal(err)
				}
				res := h.call("POST", path, analyst, map[string]any{"conditions": conds})
				if res.Code != http.StatusUnprocessableEntity {
					t.Fatalf("POST %s conditions = %d %s, want 422", path, res.Code, res.Body)
				}
				d := ruleDetails(t, res)
				if len(d) != 1 || d[0].Field != tt.field || d[0].Path != tt.path || d[0].Message != tt.message {
					t.Errorf("details = %+v, want %s at %s: %q", d, tt.field, tt.path, tt.message)
				}
			})
		}
		t.Run("both", func(t *testing.T) {
			res := h.call("POST", path, analyst, map[string]any{"condition": "Hour > 9", "conditions": map[string]any{"all": []any{}}})
			if res.Code != http.StatusBadRequest || res.errorField(t) != "conditions" {
				t.Errorf("POST %s with both = %d %s, want 400 naming conditions", path, res.Code, res.Body)
			}
		})

		t.Run("no condition", func(t *testing.T) {
			res := h.call("POST", path, analyst, map[string]any{})
			if res.Code != http.StatusBadRequest || res.errorField(t) != "condition" {
				t.Errorf("POST %s {} = %d %s, want 400 naming condition", path, res.Code, res.Body)
			}
		})

		t.Run("roles", func(t *testing.T) {
			body := map[string]any{"condition": "Hour > 9"}
			for _, rt := range []struct {
				who, token string
				want       int
			}{{"no token", "", 401}, {"agent", agent, 403}, {"analyst", analyst, 200}, {"admin", h.admin, 200}} {
				if res := h.call("POST", path, rt.token, body); res.Code != rt.want {
					t.Errorf("POST %s as %s = %d %s, want %d", path, rt.who, res.Code, res.Body, rt.want)
				}
			}
		})
	})
}
