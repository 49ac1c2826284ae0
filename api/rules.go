package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/rules"
)

// ruleRequest creates or changes a rule. Exactly one of condition (text)
// and conditions (structured: {"all"|"any": [{attribute, operator, value}
// or nested groups]}) is given on create; at most one on PATCH.
type ruleRequest struct {
	Name       *string        `json:"name"`
	Condition  *string        `json:"condition"`
	Conditions map[string]any `json:"conditions"`
	QueueID    *string        `json:"queue_id"`
	// Priority is what a matching conversation's priority becomes (0 to
	// 1000, higher is offered first); null, or none on create, leaves a
	// conversation's priority as it is.
	Priority nullableInt `json:"priority"`
	Enabled  *bool       `json:"enabled"`
	Position *int        `json:"position"`
}

// input converts the request; field names in errors start with prefix.
func (r ruleRequest) input(prefix string) (engine.RuleInput, error) {
	in := engine.RuleInput{Name: r.Name, Condition: r.Condition, Enabled: r.Enabled, Position: r.Position,
		Priority: r.Priority.value(), ClearPriority: r.Priority.null()}
	if r.QueueID != nil {
		if !engine.ValidID(*r.QueueID) {
			return in, engine.FieldError(prefix+"queue_id", "%q is not a valid id", *r.QueueID)
		}
		q := engine.QueueID(*r.QueueID)
		in.QueueID = &q
	}
	if r.Conditions != nil {
		g, err := decodeGroup(r.Conditions)
		if err != nil {
			return in, engine.FieldError(prefix+"conditions", "%v", err)
		}
		in.Conditions = &g
	}
	return in, nil
}

// decodeGroup reads structured conditions strictly: an unknown key is an
// error, not ignored.
func decodeGroup(m map[string]any) (dsl.Group, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return dsl.Group{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var g dsl.Group
	if err := dec.Decode(&g); err != nil {
		return dsl.Group{}, fmt.Errorf(`must be {"all": [...]} or {"any": [...]} of {"attribute", "operator", "value"} or nested groups: %v`, err)
	}
	return g, nil
}

type ruleResponse struct {
	ID           string         `json:"id"`
	WorkStreamID string         `json:"work_stream_id"`
	Name         string         `json:"name"`
	Condition    string         `json:"condition"`
	Conditions   map[string]any `json:"conditions,omitempty"`
	QueueID      string         `json:"queue_id"`
	// Priority is what a matching conversation's priority becomes; null
	// leaves it as it is.
	Priority  *int   `json:"priority"`
	Enabled   bool   `json:"enabled"`
	Position  int    `json:"position"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// savedRuleResponse is a rule as a create or update saved it, with the
// rule-set version the change made and the static-check warnings of the
// new rule set.
type savedRuleResponse struct {
	ruleResponse
	Version  int               `json:"version"`
	Warnings []warningResponse `json:"warnings"`
}

// warningsResponse is the static checks' warnings of a rule set.
type warningsResponse struct {
	Warnings []warningResponse `json:"warnings"`
}

type warningResponse struct {
	RuleID   string `json:"rule_id"`
	RuleName string `json:"rule_name"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func toRuleResponse(r engine.Rule) ruleResponse {
	out := ruleResponse{
		ID: string(r.ID), WorkStreamID: string(r.WorkStreamID), Name: r.Name, Condition: r.Condition, QueueID: string(r.QueueID),
		Priority: r.Priority, Enabled: r.Enabled, Position: r.Position, CreatedAt: timestamp(r.CreatedAt), UpdatedAt: timestamp(r.UpdatedAt),
	}
	if r.Conditions != nil {
		// A Group always marshals to an object.
		b, _ := json.Marshal(r.Conditions)
		_ = json.Unmarshal(b, &out.Conditions)
	}
	return out
}

func toSavedRuleResponse(ch engine.RuleChange) savedRuleResponse {
	return savedRuleResponse{ruleResponse: toRuleResponse(ch.Rule), Version: ch.Version, Warnings: toWarningResponses(ch.Warnings)}
}

// toWarningResponses is never nil, so that no warnings answer [].
func toWarningResponses(list []rules.Warning) []warningResponse {
	out := make([]warningResponse, 0, len(list))
	for _, w := range list {
		out = append(out, warningResponse{RuleID: w.RuleID, RuleName: w.RuleName, Code: w.Code, Message: w.Message})
	}
	return out
}

// versionSummaryResponse is a rule-set version in a listing.
type versionSummaryResponse struct {
	Number    int    `json:"number"`
	Author    string `json:"author"`
	At        string `json:"at"`
	Summary   string `json:"summary"`
	RuleCount int    `json:"rule_count"`
}

// versionResponse is one rule-set version with its rules.
type versionResponse struct {
	WorkStreamID string         `json:"work_stream_id"`
	Number       int            `json:"number"`
	Author       string         `json:"author"`
	At           string         `json:"at"`
	Summary      string         `json:"summary"`
	Rules        []ruleResponse `json:"rules"`
}

func toVersionSummary(v engine.RuleSetVersion) versionSummaryResponse {
	return versionSummaryResponse{Number: v.Number, Author: v.Author, At: timestamp(v.At), Summary: v.Summary, RuleCount: v.RuleCount}
}

func toVersionResponse(v engine.RuleSetVersion) versionResponse {
	out := versionResponse{WorkStreamID: string(v.WorkStreamID), Number: v.Number, Author: v.Author, At: timestamp(v.At), Summary: v.Summary,
		Rules: make([]ruleResponse, 0, len(v.Rules))}
	for _, r := range v.Rules {
		out.Rules = append(out.Rules, toRuleResponse(r))
	}
	return out
}

type reorderRequest struct {
	RuleIDs []string `json:"rule_ids"`
}

// ruleTestRequest is the body of the rule test: an engagement context and,
// optionally, an unsaved rule set to test instead of the saved one.
type ruleTestRequest struct {
	// Context is the engagement context, with the rule language's field
	// names as keys; missing fields are zero values.
	Context map[string]any `json:"context"`
	Rules   []ruleRequest  `json:"rules"`
}

// ruleTestBody is how the rule test's body is decoded: the context as JSON
// for dsl.DecodeContext, and each unsaved rule strictly.
type ruleTestBody struct {
	Context        json.RawMessage   `json:"context"`
	ConversationID *string           `json:"conversation_id"`
	Rules          []json.RawMessage `json:"rules"`
}

// matchedRuleResponse is an alias of an unnamed struct so that the OpenAPI
// generator inlines it and keeps *matchedRuleResponse nullable (it drops
// nullable from $refs to named component schemas).
type matchedRuleResponse = struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type traceEntryResponse struct {
	RuleID   string `json:"rule_id"`
	RuleName string `json:"rule_name"`
	Result   bool   `json:"result"`
	// Error is the run-time error that made the rule not match; "" if none.
	Error string `json:"error"`
	// Values holds the context fields the matched rule read, by path.
	Values map[string]any `json:"values,omitempty"`
}

type ruleTestResponse struct {
	MatchedRule *matchedRuleResponse `json:"matched_rule"`
	QueueID     string               `json:"queue_id"`
	// Priority is the priority the matched rule gives the conversation;
	// null when it (or the default queue) leaves the priority as it is.
	Priority *int `json:"priority"`
	// Version is the rule-set version that decided; 0 for unsaved rules.
	Version int                  `json:"version"`
	Reason  string               `json:"reason"`
	Trace   []traceEntryResponse `json:"trace"`
}

func toRuleTestResponse(d rules.Decision, trace []rules.TraceEntry) ruleTestResponse {
	out := ruleTestResponse{QueueID: d.QueueID, Version: d.Version, Reason: d.Reason, Trace: make([]traceEntryResponse, 0, len(trace))}
	if d.Rule != nil {
		out.MatchedRule = &matchedRuleResponse{ID: d.Rule.ID, Name: d.Rule.Name}
		out.Priority = d.Rule.Priority
	}
	for _, e := range trace {
		out.Trace = append(out.Trace, traceEntryResponse{RuleID: e.RuleID, RuleName: e.RuleName, Result: e.Result, Error: e.Error, Values: e.Values})
	}
	return out
}

type fieldDoc struct {
	Path        string `json:"path"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Example     string `json:"example"`
}

type operatorDoc struct {
	Name  string   `json:"name"`
	Types []string `json:"types"`
	Value string   `json:"value"`
}

type functionDoc struct {
	Name        string `json:"name"`
	Usage       string `json:"usage"`
	Description string `json:"description"`
}

// fieldsResponse is the catalogue of the rule language: the context fields,
// the operators of structured conditions and the functions of expressions.
type fieldsResponse struct {
	Fields    []fieldDoc    `json:"fields"`
	Operators []operatorDoc `json:"operators"`
	Functions []functionDoc `json:"functions"`
}

// ruleErrorDetail is one detail of a 422 answer: where a rule's condition
// does not compile and what to do.
type ruleErrorDetail struct {
	RuleID   string `json:"rule_id,omitempty"`
	RuleName string `json:"rule_name,omitempty"`
	Field    string `json:"field"`
	Path     string `json:"path,omitempty"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Hint     string `json:"hint"`
	Snippet  string `json:"snippet,omitempty"`
}

// ruleErrorDetails are the details of the 422 answer to a *engine.RuleError.
func ruleErrorDetails(e *engine.RuleError) []any {
	out := make([]any, 0, len(e.Problems))
	for _, p := range e.Problems {
		out = append(out, ruleErrorDetail{RuleID: string(p.RuleID), RuleName: p.RuleName, Field: p.Field, Path: p.Path,
			Line: p.Line, Column: p.Column, Message: p.Message, Hint: p.Hint, Snippet: p.Snippet})
	}
	return out
}

// conditionsRequest asks for the structured form of a rule's text, or for
// the text of structured conditions: one of the two is given.
type conditionsRequest struct {
	// Condition is the rule's text.
	Condition *string `json:"condition"`
	// Conditions are structured conditions, as in a rule request.
	Conditions map[string]any `json:"conditions"`
}

// conditionsResponse is a rule's text as structured conditions, in the
// shape of a rule request's conditions, and the text those conditions
// convert to (the canonical spelling of the same rule).
type conditionsResponse struct {
	Conditions map[string]any `json:"conditions"`
	Condition  string         `json:"condition"`
}

func (s *Server) ruleRoutes(g *gin.RouterGroup) {
	const tag = "rules"
	s.route(g, route{Method: "POST", Path: "/workstreams/:id/rules", Summary: "Add a routing rule (a new rule-set version)", Tag: tag, Roles: analysts,
		Request: ruleRequest{}, Response: savedRuleResponse{}, Status: http.StatusCreated}, withBody(s.createRule))
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/rules", Summary: "List a work stream's rules in evaluation order", Tag: tag, Roles: analysts,
		Response: listResponse[ruleResponse]{}, Status: http.StatusOK}, s.listRules)
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/rules/warnings", Summary: "The static checks' warnings of a work stream's rules (shadowed, unreachable, contradictory)", Tag: tag, Roles: analysts,
		Response: warningsResponse{}, Status: http.StatusOK}, s.ruleWarnings)
	s.route(g, route{Method: "PUT", Path: "/workstreams/:id/rules/order", Summary: "Reorder all rules (a new rule-set version, unless the order is the same)", Tag: tag, Roles: analysts,
		Request: reorderRequest{}, Response: versionResponse{}, Status: http.StatusOK}, withBody(s.reorderRules))
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/rules/versions", Summary: "List rule-set versions, newest first", Tag: tag, Roles: analysts,
		Response: listResponse[versionSummaryResponse]{}, Status: http.StatusOK, Query: pageQuery}, listing(s.listRuleVersions, toVersionSummary))
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/rules/versions/:n", Summary: "Get a rule-set version with its rules", Tag: tag, Roles: analysts,
		Response: versionResponse{}, Status: http.StatusOK}, s.getRuleVersion)
	s.route(g, route{Method: "POST", Path: "/workstreams/:id/rules/versions/:n/restore", Summary: "Make a new rule-set version equal to version n", Tag: tag, Roles: analysts,
		Response: versionResponse{}, Status: http.StatusCreated}, s.restoreRuleVersion)
	s.route(g, route{Method: "POST", Path: "/workstreams/:id/rules/test", Summary: "Route an example context and explain the decision", Tag: tag, Roles: analysts,
		Request: ruleTestRequest{}, Response: ruleTestResponse{}, Status: http.StatusOK}, withBody(s.testRules))
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/rules/:rule_id", Summary: "Get a rule", Tag: tag, Roles: analysts,
		Response: ruleResponse{}, Status: http.StatusOK}, s.getRule)
	s.route(g, route{Method: "PATCH", Path: "/workstreams/:id/rules/:rule_id", Summary: "Change, enable, disable or move a rule (a new rule-set version, unless nothing changes)", Tag: tag, Roles: analysts,
		Request: ruleRequest{}, Response: savedRuleResponse{}, Status: http.StatusOK}, withBody(s.updateRule))
	s.route(g, route{Method: "DELETE", Path: "/workstreams/:id/rules/:rule_id", Summary: "Delete a rule (a new rule-set version)", Tag: tag, Roles: analysts,
		Status: http.StatusNoContent}, s.deleteRule)
	s.route(g, route{Method: "GET", Path: "/rules/fields", Summary: "The rule language's catalogue: fields, operators, functions", Tag: tag, Roles: everyone,
		Response: fieldsResponse{}, Status: http.StatusOK}, s.ruleFields)
	s.route(g, route{Method: "POST", Path: "/rules/conditions", Summary: "Turn a rule's text into structured conditions for a rule editor's form (422 where the form cannot show it), or structured conditions into their text", Tag: tag, Roles: analysts,
		Request: conditionsRequest{}, Response: conditionsResponse{}, Status: http.StatusOK}, withBody(s.ruleConditions))
}

// workStreamParam reads the work stream id of the path.
func workStreamParam(c *gin.Context) (engine.WorkStreamID, error) {
	id, err := pathID(c, "id", "id")
	return engine.WorkStreamID(id), err
}

// ruleParams reads the work stream and rule ids of the path.
func ruleParams(c *gin.Context) (engine.WorkStreamID, engine.RuleID, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return "", "", err
	}
	id, err := pathID(c, "rule_id", "rule_id")
	return ws, engine.RuleID(id), err
}

// versionParams reads the work stream id and the version number of the path.
func versionParams(c *gin.Context) (engine.WorkStreamID, int, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return "", 0, engine.FieldError("n", "%q is not a version number (1, 2, …)", c.Param("n"))
	}
	return ws, n, nil
}

func (s *Server) createRule(c *gin.Context, req ruleRequest) (any, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input("")
	if err != nil {
		return nil, err
	}
	ch, err := s.svc.CreateRule(c.Request.Context(), actor(c), ws, in)
	return toSavedRuleResponse(ch), err
}

func (s *Server) listRules(c *gin.Context) (any, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.Rules(c.Request.Context(), ws)
	return toList(engine.List[engine.Rule]{Items: list}, toRuleResponse), err
}

func (s *Server) ruleWarnings(c *gin.Context) (any, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.RuleWarnings(c.Request.Context(), ws)
	return warningsResponse{Warnings: toWarningResponses(list)}, err
}

func (s *Server) getRule(c *gin.Context) (any, error) {
	ws, id, err := ruleParams(c)
	if err != nil {
		return nil, err
	}
	r, err := s.svc.Rule(c.Request.Context(), ws, id)
	return toRuleResponse(r), err
}

func (s *Server) updateRule(c *gin.Context, req ruleRequest) (any, error) {
	ws, id, err := ruleParams(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input("")
	if err != nil {
		return nil, err
	}
	ch, err := s.svc.UpdateRule(c.Request.Context(), actor(c), ws, id, in)
	return toSavedRuleResponse(ch), err
}

func (s *Server) deleteRule(c *gin.Context) (any, error) {
	ws, id, err := ruleParams(c)
	if err != nil {
		return nil, err
	}
	_, err = s.svc.DeleteRule(c.Request.Context(), actor(c), ws, id)
	return nil, err
}

func (s *Server) reorderRules(c *gin.Context, req reorderRequest) (any, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return nil, err
	}
	if req.RuleIDs == nil {
		return nil, engine.FieldError("rule_ids", "is required")
	}
	ids := make([]engine.RuleID, len(req.RuleIDs))
	for i, id := range req.RuleIDs {
		ids[i] = engine.RuleID(id)
	}
	v, err := s.svc.ReorderRules(c.Request.Context(), actor(c), ws, ids)
	return toVersionResponse(v), err
}

func (s *Server) listRuleVersions(c *gin.Context, page engine.Page) (engine.List[engine.RuleSetVersion], error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return engine.List[engine.RuleSetVersion]{}, err
	}
	return s.svc.RuleSetVersions(c.Request.Context(), ws, page)
}

func (s *Server) getRuleVersion(c *gin.Context) (any, error) {
	ws, n, err := versionParams(c)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.RuleSetVersion(c.Request.Context(), ws, n)
	return toVersionResponse(v), err
}

func (s *Server) restoreRuleVersion(c *gin.Context) (any, error) {
	ws, n, err := versionParams(c)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.RestoreRuleSetVersion(c.Request.Context(), actor(c), ws, n)
	return toVersionResponse(v), err
}

func (s *Server) testRules(c *gin.Context, body ruleTestBody) (any, error) {
	ws, err := workStreamParam(c)
	if err != nil {
		return nil, err
	}
	ec, err := s.testContext(c, ws, body)
	if err != nil {
		return nil, err
	}
	unsaved, err := body.unsaved()
	if err != nil {
		return nil, err
	}
	d, trace, err := s.svc.TestRules(c.Request.Context(), ws, ec, unsaved)
	if err != nil {
		return nil, err
	}
	return toRuleTestResponse(d, trace), nil
}

// testContext yields the engagement context a rule test routes: the
// request's context JSON, or the rebuilt context of a stored conversation
// of the same work stream.
func (s *Server) testContext(c *gin.Context, ws engine.WorkStreamID, body ruleTestBody) (*dsl.Context, error) {
	hasContext := body.Context != nil && string(body.Context) != "null"
	switch {
	case hasContext && body.ConversationID != nil:
		return nil, engine.FieldError("conversation_id", "give either context or conversation_id, not both")
	case body.ConversationID != nil:
		if !engine.ValidID(*body.ConversationID) {
			return nil, engine.FieldError("conversation_id", "%q is not a valid id", *body.ConversationID)
		}
		ec, convWS, err := s.svc.EngagementContextOf(c.Request.Context(), engine.ConversationID(*body.ConversationID))
		if errors.Is(err, engine.ErrNotFound) {
			return nil, engine.FieldError("conversation_id", "no conversation has the id %q", *body.ConversationID)
		}
		if err != nil {
			return nil, err
		}
		if convWS != ws {
			return nil, engine.FieldError("conversation_id", "conversation %s belongs to another work stream", *body.ConversationID)
		}
		return ec, nil
	case !hasContext:
		return nil, engine.FieldError("context", "is required (or conversation_id): the engagement context as JSON, e.g. {\"Customer\": {\"FollowersCount\": 12000}}")
	}
	return decodeEngagementContext(body.Context)
}

// decodeEngagementContext decodes a context with dsl.DecodeContext; its
// errors become ErrInvalid naming the key ("context.Customer.Tags[1]").
func decodeEngagementContext(raw json.RawMessage) (*dsl.Context, error) {
	ec, err := dsl.DecodeContext(raw)
	if err == nil {
		return ec, nil
	}
	var de *dsl.Error
	if !errors.As(err, &de) {
		return nil, engine.FieldError("context", "%v", err)
	}
	field := "context"
	if de.Path != "" {
		field += "." + de.Path
	}
	msg := de.Message
	if de.Hint != "" {
		msg += " (" + de.Hint + ")"
	}
	return nil, engine.FieldError(field, "%s", msg)
}

// unsaved decodes the unsaved rules of a rule test: nil when the body has
// none (test the saved rules), else one input per rule.
func (b ruleTestBody) unsaved() ([]engine.RuleInput, error) {
	if b.Rules == nil {
		return nil, nil
	}
	out := make([]engine.RuleInput, 0, len(b.Rules))
	for i, raw := range b.Rules {
		prefix := fmt.Sprintf("rules[%d].", i)
		var req ruleRequest
		if err := decodeObject(raw, &req); err != nil {
			return nil, prefixField(err, prefix)
		}
		in, err := req.input(prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// prefixField puts prefix before the field an ErrInvalid names.
func prefixField(err error, prefix string) error {
	var e *engine.Error
	if !errors.As(err, &e) || len(e.Details) == 0 {
		return engine.FieldError(prefix[:len(prefix)-1], "%v", err)
	}
	d := e.Details[0]
	return engine.FieldError(prefix+d.Field, "%s", d.Message)
}

func (s *Server) ruleFields(*gin.Context) (any, error) {
	var out fieldsResponse
	for _, f := range dsl.Fields() {
		out.Fields = append(out.Fields, fieldDoc{Path: f.Path, Type: f.Type, Description: f.Description, Example: f.Example})
	}
	for _, o := range dsl.Operators() {
		out.Operators = append(out.Operators, operatorDoc{Name: o.Name, Types: o.Types, Value: o.Value})
	}
	for _, f := range dsl.Functions() {
		out.Functions = append(out.Functions, functionDoc{Name: f.Name, Usage: f.Usage, Description: f.Description})
	}
	return out, nil
}

// ruleConditions answers the structured form of a rule's text. Text that
// does not compile, or that the form cannot show, is a 422 like a rule that
// does not compile.
func (s *Server) ruleConditions(_ *gin.Context, req conditionsRequest) (any, error) {
	var g dsl.Group
	switch {
	case req.Condition != nil && req.Conditions != nil:
		return nil, engine.FieldError("conditions", "give either condition or conditions, not both")
	case req.Conditions != nil:
		var err error
		if g, err = decodeGroup(req.Conditions); err != nil {
			return nil, engine.FieldError("conditions", "%v", err)
		}
		text, err := g.Expression()
		if err == nil {
			_, err = dsl.Compile(text)
		}
		if err != nil {
			var de *dsl.Error
			if !errors.As(err, &de) {
				return nil, fmt.Errorf("rule conditions: %w", err)
			}
			return nil, &engine.RuleError{Problems: []engine.RuleProblem{{Field: "conditions", Path: de.Path,
				Line: de.Line, Column: de.Column, Message: de.Message, Hint: de.Hint, Snippet: de.Snippet}}}
		}
	case req.Condition != nil:
		var err error
		if g, err = dsl.ParseGroup(*req.Condition); err != nil {
			return nil, conditionsError(*req.Condition, err)
		}
	default:
		return nil, engine.FieldError("condition", "is required (or conditions): the rule's text, e.g. Customer.FollowersCount > 10000")
	}
	text, err := g.Expression()
	if err != nil {
		return nil, fmt.Errorf("rule conditions: %w", err) // both ways check the group converts
	}
	out := conditionsResponse{Condition: text}
	// A Group always marshals to an object.
	b, _ := json.Marshal(g)
	_ = json.Unmarshal(b, &out.Conditions)
	return out, nil
}

// conditionsError is the 422 of text the form cannot show: a *RuleError
// naming the condition field, with the line, column, hint and snippet.
func conditionsError(source string, err error) error {
	var de *dsl.Error
	if !errors.As(err, &de) {
		return fmt.Errorf("rule conditions: %w", err)
	}
	summary := "the form cannot show the rule"
	if _, cerr := dsl.Compile(source); cerr != nil {
		summary = "" // the rule does not compile
	}
	return &engine.RuleError{Summary: summary, Problems: []engine.RuleProblem{{Field: "condition", Path: de.Path,
		Line: de.Line, Column: de.Column, Message: de.Message, Hint: de.Hint, Snippet: de.Snippet}}}
}
