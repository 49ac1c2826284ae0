package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/dsl"
)

// CannedResponseID identifies a canned response.
type CannedResponseID string

// CannedScope says who sees a canned response.
type CannedScope string

// Canned response scopes.
const (
	// ScopeShared responses are kept by analysts and admins and offered to
	// every agent.
	ScopeShared CannedScope = "shared"
	// ScopePersonal responses belong to one agent, who alone sees, uses and
	// changes them.
	ScopePersonal CannedScope = "personal"
)

// CannedResponse is a reply an agent inserts by its shortcut ("/refund")
// instead of typing it: a title, and a body whose placeholders
// ({{customer.name}}, see Placeholders) are filled for the conversation
// and agent when it is rendered.
type CannedResponse struct {
	ID    CannedResponseID
	Scope CannedScope
	// AgentID owns a personal response; empty for a shared one.
	AgentID AgentID
	Title   string
	// Shortcut is "/" and a word, lower case: unique among the shared
	// responses, or among one agent's personal ones.
	Shortcut string
	Body     string
	// CreatedBy is the name of the API key that created it.
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CannedResponseInput creates a canned response or changes one; nil fields
// are left as they are. Scope is set at creation only: an agent's are
// personal and an analyst's or admin's shared unless it says otherwise.
type CannedResponseInput struct {
	Scope    *CannedScope
	Title    *string
	Shortcut *string
	Body     *string
}

// CannedFilter narrows a listing of canned responses.
type CannedFilter struct {
	// Owner is the agent whose personal responses are listed beside the
	// shared ones; empty lists the shared ones only.
	Owner AgentID
	// Scope, when set, lists only that scope.
	Scope CannedScope
	// Query, when set, keeps the responses whose shortcut starts with it
	// (with or without its "/") or whose title or body contains it,
	// ignoring case.
	Query string
}

// CannedResponseStore persists canned responses. A shortcut taken in its
// scope (the shared responses, or one agent's) is ErrConflict.
type CannedResponseStore interface {
	CreateCannedResponse(ctx context.Context, r CannedResponse) error
	CannedResponse(ctx context.Context, id CannedResponseID) (CannedResponse, error)
	UpdateCannedResponse(ctx context.Context, r CannedResponse) error
	DeleteCannedResponse(ctx context.Context, id CannedResponseID) error
	// ListCannedResponses lists the responses f selects, oldest first.
	ListCannedResponses(ctx context.Context, f CannedFilter, p Page) (List[CannedResponse], error)
}

// Bounds of a canned response.
const (
	maxCannedTitle    = 100
	maxCannedShortcut = 32    // the word after the "/"
	maxCannedBody     = 10000 // a Twitter DM's limit
	maxCannedQuery    = 100
	maxTemplateErrors = 10
)

// Placeholder is one value a canned response's body may name as
// {{name}}, filled from the conversation and the agent replying.
type Placeholder struct {
	Name    string // customer.name
	Meaning string
	Example string
	value   func(v placeholderValues) string
}

// placeholderValues are what a rendering knows of the engagement.
type placeholderValues struct {
	conv     Conversation
	customer CustomerProfile
	agent    string
	queue    string
	// nextOpening is when the conversation's queue next opens, in its
	// calendar's zone (automated messages only).
	nextOpening string
}

// placeholders is the one table of placeholders: it checks bodies, fills
// them, feeds the hints of errors and the README's list.
var placeholders = []Placeholder{
	{"customer.name", "the customer's name, as their contact has it", "Ada Lovelace", func(v placeholderValues) string { return v.customer.Name }},
	{"customer.first_name", "the first word of the customer's name", "Ada", func(v placeholderValues) string {
		if f := strings.Fields(v.customer.Name); len(f) > 0 {
			return f[0]
		}
		return ""
	}},
	{"customer.screen_name", "the customer's handle on the channel, without the @", "ada", func(v placeholderValues) string { return v.customer.ScreenName }},
	{"agent.name", "the name of the agent replying (an admin renders it as the conversation's agent)", "Grace", func(v placeholderValues) string { return v.agent }},
	{"conversation.queue", "the name of the queue the conversation was routed to", "Refunds", func(v placeholderValues) string { return v.queue }},
	{"conversation.id", "the conversation's id, for the customer to quote", "01J9Z3…", func(v placeholderValues) string { return string(v.conv.ID) }},
}

// Placeholders lists the placeholders a canned response's body may use.
func Placeholders() []Placeholder { return append([]Placeholder(nil), placeholders...) }

func placeholderNamed(table []Placeholder, name string) (Placeholder, bool) {
	for _, p := range table {
		if p.Name == name {
			return p, true
		}
	}
	return Placeholder{}, false
}

// TemplateError is a body whose placeholders do not check, each problem
// with its place; it is an ErrInvalid, and an *Error naming Field.
type TemplateError struct {
	Field    string
	Problems []TemplateProblem
}

// TemplateProblem is one mistake in a body: Line and Column (from 1) point
// at it, Snippet is the line with a caret under it, Hint says what to
// write instead.
type TemplateProblem struct {
	Line    int
	Column  int
	Message string
	Hint    string
	Snippet string
}

// Error lists the problems, one per line, with their places and hints.
func (e *TemplateError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("%s: line %d, column %d: %s", e.Field, p.Line, p.Column, p.Message)
		if p.Hint != "" {
			parts[i] += " (" + p.Hint + ")"
		}
	}
	return strings.Join(parts, "\n")
}

// Unwrap makes a TemplateError an ErrInvalid and an *Error whose details
// name the field, for callers that know no TemplateError.
func (e *TemplateError) Unwrap() []error {
	d := make([]Detail, len(e.Problems))
	for i, p := range e.Problems {
		d[i] = Detail{Field: e.Field, Message: fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, p.Message)}
	}
	return []error{ErrInvalid, &Error{Kind: ErrInvalid, Message: e.Error(), Details: d}}
}

// templatePart is a piece of a parsed body: literal text, or a
// placeholder's name.
type templatePart struct {
	text        string
	placeholder string
}

// parseTemplate parses a canned response's body (parseTemplateWith).
func parseTemplate(field, body string) ([]templatePart, error) {
	return parseTemplateWith(placeholders, field, body)
}

// parseTemplateWith splits a body into text and {{placeholders}} (spaces
// inside the braces are allowed), refusing an unclosed or empty
// placeholder and a name table does not hold, with the place of each.
// Canned responses and automated messages (automated.go) share it, each
// with its own table.
func parseTemplateWith(table []Placeholder, field, body string) ([]templatePart, error) {
	var parts []templatePart
	var problems []TemplateProblem
	rest, offset := body, 0 // offset: the byte offset of rest in body
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			break
		}
		if open > 0 {
			parts = append(parts, templatePart{text: rest[:open]})
		}
		start := offset + open
		inner := rest[open+2:]
		end := strings.Index(inner, "}}")
		if next := strings.Index(inner, "{{"); end < 0 || (next >= 0 && next < end) {
			problems = append(problems, templateProblem(body, start, "this placeholder is not closed",
				"end it with }}, as in {{customer.name}}; the placeholders are "+placeholderList(table)))
			if end < 0 {
				rest = ""
				break
			}
			rest, offset = inner[next:], start+2+next
			continue
		}
		raw := inner[:end]
		name := strings.TrimSpace(raw)
		nameAt := start + 2 + strings.Index(raw, name)
		switch _, ok := placeholderNamed(table, name); {
		case name == "":
			problems = append(problems, templateProblem(body, start, "this placeholder names nothing", "the placeholders are "+placeholderList(table)))
		case !ok:
			problems = append(problems, templateProblem(body, nameAt, fmt.Sprintf("{{%s}} is not a placeholder", name), suggestPlaceholder(table, name)))
		default:
			parts = append(parts, templatePart{placeholder: name})
		}
		rest, offset = inner[end+2:], start+2+end+2
	}
	if rest != "" {
		parts = append(parts, templatePart{text: rest})
	}
	if len(problems) > 0 {
		if len(problems) > maxTemplateErrors {
			problems = problems[:maxTemplateErrors]
		}
		return nil, &TemplateError{Field: field, Problems: problems}
	}
	return parts, nil
}

// templateProblem places a problem at a byte offset of body.
func templateProblem(body string, offset int, message, hint string) TemplateProblem {
	before := body[:offset]
	line := strings.Count(before, "\n") + 1
	lineStart := strings.LastIndexByte(before, '\n') + 1
	col := utf8.RuneCountInString(body[lineStart:offset]) + 1
	text := body[lineStart:]
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimRight(text, "\r")
	var caret strings.Builder
	for _, r := range body[lineStart:offset] {
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	return TemplateProblem{Line: line, Column: col, Message: message, Hint: hint, Snippet: text + "\n" + caret.String()}
}

func placeholderList(table []Placeholder) string {
	names := make([]string, len(table))
	for i, p := range table {
		names[i] = "{{" + p.Name + "}}"
	}
	return strings.Join(names, ", ")
}

// suggestPlaceholder is the hint for an unknown name: the placeholder it
// is likely a typo of, those of the group it names, or the whole list.
func suggestPlaceholder(table []Placeholder, name string) string {
	names := make([]string, len(table))
	for i, p := range table {
		names[i] = p.Name
	}
	if best := dsl.Nearest(normalizePlaceholder(name), names, normalizePlaceholder); best != "" {
		if normalizePlaceholder(best) == normalizePlaceholder(name) {
			return fmt.Sprintf("did you mean {{%s}}? Placeholders are written in lower case, words joined by _", best)
		}
		return fmt.Sprintf("did you mean {{%s}}?", best)
	}
	// A group ({{customer}}) or a last part ({{queue}}) alone.
	var group []string
	for _, p := range table {
		leaf := p.Name[strings.LastIndexByte(p.Name, '.')+1:]
		if strings.HasPrefix(p.Name, strings.ToLower(name)+".") || normalizePlaceholder(leaf) == normalizePlaceholder(name) {
			group = append(group, "{{"+p.Name+"}}")
		}
	}
	if len(group) > 0 {
		return "did you mean " + strings.Join(group, " or ") + "?"
	}
	return "the placeholders are " + placeholderList(table)
}

// normalizePlaceholder compares names as analysts may write them:
// Customer.ScreenName is customer.screen_name.
func normalizePlaceholder(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// normalizeShortcut lower-cases a shortcut and gives it its "/".
func normalizeShortcut(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	word := strings.TrimPrefix(s, "/")
	switch {
	case word == "":
		return "", FieldError("shortcut", "is required: a / and a word, as in /refund")
	case utf8.RuneCountInString(word) > maxCannedShortcut:
		return "", FieldError("shortcut", "is longer than %d characters after the /", maxCannedShortcut)
	}
	for _, r := range word {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return "", FieldError("shortcut", "%q may hold only letters, digits, - and _ after the /, as in /refund-policy", s)
		}
	}
	return "/" + word, nil
}

// mayRead says whether actor sees r: everyone sees the shared responses,
// only its agent a personal one. Any other is ErrNotFound, so that a
// personal response's existence is not told.
func mayRead(actor Actor, r CannedResponse) error {
	if r.Scope == ScopeShared || (actor.Role == RoleAgent && actor.AgentID != "" && r.AgentID == actor.AgentID) {
		return nil
	}
	return Errorf(ErrNotFound, "no canned response has the id %q", r.ID)
}

// mayKeep says whether actor may create, change and delete responses of a
// scope: shared ones are analysts' and admins' (like queues and work
// streams, what every agent works with), personal ones their agent's.
func mayKeep(actor Actor, scope CannedScope) error {
	switch {
	case scope == ScopeShared && (actor.Role == RoleAdmin || actor.Role == RoleAnalyst):
		return nil
	case scope == ScopeShared:
		return Errorf(ErrForbidden, "the %s role may not keep shared canned responses: analysts and admins do; agents keep personal ones", actor.Role)
	case scope == ScopePersonal && actor.Role == RoleAgent && actor.AgentID != "":
		return nil
	}
	return FieldError("scope", "personal canned responses belong to an agent, and this key is not an agent's: use shared")
}

// checkCanned validates and normalizes a response's title, shortcut and
// body.
func checkCanned(r *CannedResponse) error {
	r.Title = strings.TrimSpace(r.Title)
	switch {
	case r.Title == "":
		return FieldError("title", "is required")
	case utf8.RuneCountInString(r.Title) > maxCannedTitle:
		return FieldError("title", "is longer than %d characters", maxCannedTitle)
	}
	var err error
	if r.Shortcut, err = normalizeShortcut(r.Shortcut); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(r.Body) == "":
		return FieldError("body", "is required: the text the agent inserts")
	case utf8.RuneCountInString(r.Body) > maxCannedBody:
		return FieldError("body", "is longer than %d characters", maxCannedBody)
	}
	_, err = parseTemplate("body", r.Body)
	return err
}

func cannedAudit(action, verb string, r CannedResponse) AuditEntry {
	return AuditEntry{Action: action, Resource: "canned_response", ResourceID: string(r.ID),
		Summary: fmt.Sprintf("%s %s canned response %s %q", verb, r.Scope, r.Shortcut, r.Title)}
}

// CreateCannedResponse creates a canned response: shared by default for
// analysts and admins, personal (the agent's own) for agents. A bad
// placeholder in the body is a *TemplateError; a shortcut taken in its
// scope is ErrConflict.
func (s *Service) CreateCannedResponse(ctx context.Context, actor Actor, in CannedResponseInput) (CannedResponse, error) {
	scope := ScopeShared
	if actor.Role == RoleAgent {
		scope = ScopePersonal
	}
	if in.Scope != nil {
		scope = *in.Scope
	}
	if scope != ScopeShared && scope != ScopePersonal {
		return CannedResponse{}, FieldError("scope", "%q is not a scope: shared or personal", scope)
	}
	if err := mayKeep(actor, scope); err != nil {
		return CannedResponse{}, err
	}
	now := s.clock.Now()
	r := CannedResponse{ID: CannedResponseID(NewID(now)), Scope: scope, CreatedBy: actor.Name, CreatedAt: now, UpdatedAt: now}
	if scope == ScopePersonal {
		r.AgentID = actor.AgentID
	}
	if in.Title != nil {
		r.Title = *in.Title
	}
	if in.Shortcut != nil {
		r.Shortcut = *in.Shortcut
	}
	if in.Body != nil {
		r.Body = *in.Body
	}
	if err := checkCanned(&r); err != nil {
		return CannedResponse{}, err
	}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := tx.CreateCannedResponse(ctx, r); err != nil {
			return AuditEntry{}, err
		}
		return cannedAudit("create", "created", r), nil
	})
	return r, err
}

// CannedResponse returns a canned response actor may see; another agent's
// personal one is ErrNotFound.
func (s *Service) CannedResponse(ctx context.Context, actor Actor, id CannedResponseID) (CannedResponse, error) {
	r, err := s.store.CannedResponse(ctx, id)
	if err != nil {
		return CannedResponse{}, err
	}
	return r, mayRead(actor, r)
}

// ListCannedResponses lists the canned responses actor may use, oldest
// first: the shared ones, and an agent's own personal ones, narrowed by
// f's Scope and Query (f's Owner is actor's agent, whatever it says).
func (s *Service) ListCannedResponses(ctx context.Context, actor Actor, f CannedFilter, p Page) (List[CannedResponse], error) {
	f.Owner = ""
	if actor.Role == RoleAgent {
		f.Owner = actor.AgentID
	}
	if f.Scope != "" && f.Scope != ScopeShared && f.Scope != ScopePersonal {
		return List[CannedResponse]{}, FieldError("scope", "%q is not a scope: shared or personal", f.Scope)
	}
	f.Query = strings.ToLower(strings.TrimSpace(f.Query))
	if utf8.RuneCountInString(f.Query) > maxCannedQuery {
		return List[CannedResponse]{}, FieldError("q", "is longer than %d characters", maxCannedQuery)
	}
	return s.store.ListCannedResponses(ctx, f, p.Normalized())
}

// UpdateCannedResponse changes a canned response's title, shortcut or
// body; its scope stays. Agents may read the shared ones but not change
// them (ErrForbidden).
func (s *Service) UpdateCannedResponse(ctx context.Context, actor Actor, id CannedResponseID, in CannedResponseInput) (CannedResponse, error) {
	var r CannedResponse
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if r, err = tx.CannedResponse(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := mayRead(actor, r); err != nil {
			return AuditEntry{}, err
		}
		if err := mayKeep(actor, r.Scope); err != nil {
			return AuditEntry{}, err
		}
		if in.Scope != nil && *in.Scope != r.Scope {
			return AuditEntry{}, FieldError("scope", "cannot be changed: create a %s canned response instead", *in.Scope)
		}
		if in.Title != nil {
			r.Title = *in.Title
		}
		if in.Shortcut != nil {
			r.Shortcut = *in.Shortcut
		}
		if in.Body != nil {
			r.Body = *in.Body
		}
		if err := checkCanned(&r); err != nil {
			return AuditEntry{}, err
		}
		r.UpdatedAt = s.clock.Now()
		if err := tx.UpdateCannedResponse(ctx, r); err != nil {
			return AuditEntry{}, err
		}
		return cannedAudit("update", "updated", r), nil
	})
	return r, err
}

// DeleteCannedResponse deletes a canned response.
func (s *Service) DeleteCannedResponse(ctx context.Context, actor Actor, id CannedResponseID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		r, err := tx.CannedResponse(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := mayRead(actor, r); err != nil {
			return AuditEntry{}, err
		}
		if err := mayKeep(actor, r.Scope); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteCannedResponse(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		return cannedAudit("delete", "deleted", r), nil
	})
}

// RenderedResponse is a canned response's body filled for a conversation.
type RenderedResponse struct {
	Response CannedResponse
	Text     string
	// Empty names the placeholders that had no value (a customer without
	// a name), rendered as nothing, for the agent to check.
	Empty []string
}

// RenderCannedResponse fills a canned response's placeholders for a
// conversation and the agent replying, for the agent to insert into the
// reply. It checks what Reply checks: the agent may reply to the
// conversation (theirs, accepted, active or waiting; admins any in
// progress). Nothing is sent or stored.
func (s *Service) RenderCannedResponse(ctx context.Context, actor Actor, convID ConversationID, id CannedResponseID) (RenderedResponse, error) {
	c, err := s.store.Conversation(ctx, convID)
	if err != nil {
		return RenderedResponse{}, err
	}
	if err := mayWork(actor, c, ActionReply); err != nil {
		return RenderedResponse{}, err
	}
	if actor.Role == RoleAgent && c.AgentID != actor.AgentID {
		return RenderedResponse{}, Errorf(ErrConflict, "accept conversation %s before replying", c.ID)
	}
	if err := checkMove(ActionReply, c); err != nil {
		return RenderedResponse{}, err
	}
	r, err := s.CannedResponse(ctx, actor, id)
	if err != nil {
		return RenderedResponse{}, err
	}
	parts, err := parseTemplate("body", r.Body)
	if err != nil {
		// Saved bodies check; a placeholder removed since is told as such.
		return RenderedResponse{}, err
	}
	v := placeholderValues{conv: c, customer: c.Customer}
	if c.ContactID != "" {
		contact, err := s.store.Contact(ctx, c.ContactID)
		switch {
		case err == nil && contact.Profile.Name != "":
			v.customer.Name = contact.Profile.Name
		case err != nil && !errors.Is(err, ErrNotFound):
			return RenderedResponse{}, err
		}
	}
	agent := actor.AgentID
	if agent == "" {
		agent = c.AgentID
	}
	if agent != "" {
		a, err := s.store.Agent(ctx, agent)
		switch {
		case err == nil:
			v.agent = a.Name
		case !errors.Is(err, ErrNotFound):
			return RenderedResponse{}, err
		}
	}
	if c.QueueID != "" {
		q, err := s.store.Queue(ctx, c.QueueID)
		switch {
		case err == nil:
			v.queue = q.Name
		case !errors.Is(err, ErrNotFound):
			return RenderedResponse{}, err
		}
	}
	out := RenderedResponse{Response: r}
	out.Text, out.Empty = fillTemplate(placeholders, parts, v)
	return out, nil
}

// fillTemplate writes a parsed body with its placeholders' values from
// table, naming those that had none.
func fillTemplate(table []Placeholder, parts []templatePart, v placeholderValues) (text string, empty []string) {
	var b strings.Builder
	for _, p := range parts {
		if p.placeholder == "" {
			b.WriteString(p.text)
			continue
		}
		ph, _ := placeholderNamed(table, p.placeholder)
		val := ph.value(v)
		if val == "" && !slices.Contains(empty, ph.Name) {
			empty = append(empty, ph.Name)
		}
		b.WriteString(val)
	}
	return b.String(), empty
}
