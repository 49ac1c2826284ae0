package api

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/rules"
)

// enums is the document's one table of closed string sets, keyed by the Go
// type that declares the field (as schemaName names it) and the field's JSON
// name, or by a route's path and a query parameter's name. The values are the engine's own constants, so an answer that carries
// a value missing here fails the tests' validation of answers; a test fails
// on a key that names no field, so a renamed field keeps its enum.
var enums = map[string][]any{
	"agentResponse.presence":               strs(engine.PresenceAvailable, engine.PresenceBusy, engine.PresenceAway, engine.PresenceOffline),
	"presenceRequest.presence":             strs(engine.PresenceAvailable, engine.PresenceBusy, engine.PresenceAway, engine.PresenceOffline),
	"queueAgentResponse.presence":          strs(engine.PresenceAvailable, engine.PresenceBusy, engine.PresenceAway, engine.PresenceOffline),
	"keyResponse.role":                     strs(engine.RoleAdmin, engine.RoleAnalyst, engine.RoleAgent),
	"keyRequest.role":                      strs(engine.RoleAdmin, engine.RoleAnalyst, engine.RoleAgent),
	"meResponse.role":                      strs(engine.RoleAdmin, engine.RoleAnalyst, engine.RoleAgent),
	"queueResponse.ordering":               strs(engine.OrderByPriority, engine.OrderByAge),
	"queueRequest.ordering":                strs(engine.OrderByPriority, engine.OrderByAge),
	"openingHours.day":                     weekdays(),
	"openingHoursRequest.day":              weekdays(),
	"workStreamResponse.mode":              strs(engine.ModePush, engine.ModePick),
	"workStreamRequest.mode":               strs(engine.ModePush, engine.ModePick),
	"workStreamResponse.assignment_method": strs(engine.AssignRoundRobin, engine.AssignHighestCapacity, engine.AssignMostIdle),
	"workStreamRequest.assignment_method":  strs(engine.AssignRoundRobin, engine.AssignHighestCapacity, engine.AssignMostIdle),
	"workStreamResponse.contact_matching":  strs(engine.MatchOff, engine.MatchExact, engine.MatchAsk),
	"workStreamRequest.contact_matching":   strs(engine.MatchOff, engine.MatchExact, engine.MatchAsk),
	"/api/v1/conversations?status":         strs(engine.StatusOpen, engine.StatusOffered, engine.StatusActive, engine.StatusWaiting, engine.StatusWrapUp, engine.StatusClosed),
	"conversationResponse.status":          strs(engine.StatusOpen, engine.StatusOffered, engine.StatusActive, engine.StatusWaiting, engine.StatusWrapUp, engine.StatusClosed),
	"messageResponse.direction":            strs(engine.Inbound, engine.Outbound),
	"messageResponse.delivery_status":      strs(engine.DeliveryQueued, engine.DeliverySending, engine.DeliverySent, engine.DeliveryFailed),
	"routingResponse.reason":               strs(engine.ReasonMatched, engine.ReasonDefault, engine.ReasonError, engine.ReasonRequeue, engine.ReasonTransfer, engine.ReasonPriority, engine.ReasonOverflow),
	"ruleTestResponse.reason":              strs(rules.ReasonMatched, rules.ReasonDefault),
	"twitterHandleResponse.status":         strs(engine.EndpointPending, engine.EndpointActive, engine.EndpointDisconnected),
	"widgetResponse.status":                strs(engine.EndpointPending, engine.EndpointActive, engine.EndpointDisconnected),
	"webhookResponse.state":                strs(engine.WebhookUnknown, engine.WebhookValid, engine.WebhookInvalid, engine.WebhookError),
	"handleHealthResponse.subscription":    strs(engine.SubscriptionUnknown, engine.SubscriptionSubscribed, engine.SubscriptionNotSubscribed, engine.SubscriptionError),
	"cannedResponseResponse.scope":         strs(engine.ScopeShared, engine.ScopePersonal),
	"cannedResponseRequest.scope":          strs(engine.ScopeShared, engine.ScopePersonal),
	"/api/v1/canned-responses?scope":       strs(engine.ScopeShared, engine.ScopePersonal),
	"automatedMessageResponse.kind":        strs(engine.AutomatedGreeting, engine.AutomatedOutOfHours),
}

// requiredInRequests are the request fields whose handlers always refuse a
// body without them; a type used by both a create and a change (PATCH) has
// none, since a change may leave any field out.
var requiredInRequests = map[string]bool{
	"priorityRequest.priority": true, // priorityAction
	"replyRequest.text":        true, // reply
	"blockRequest.external_id": true, // Block
	"blockRequest.reason":      true, // Block
	"reorderRequest.rule_ids":  true, // reorderRules
	// An opening and a holiday are whole values inside a calendar's lists.
	"openingHoursRequest.day":   true,
	"openingHoursRequest.open":  true,
	"openingHoursRequest.close": true,
	"holidayRequest.date":       true,

	"automatedMessageRequest.body": true, // putAutomated
}

// optionalBodies are the request types whose routes also take no body at
// all (optionalBody in workflow.go).
var optionalBodies = map[string]bool{"closeRequest": true}

// weekdays are the days of the week as the API writes them, "monday" first.
func weekdays() []any {
	out := make([]any, 0, 7)
	for i := range 7 {
		out = append(out, strings.ToLower(time.Weekday((i+1)%7).String()))
	}
	return out
}

func strs[S ~string](values ...S) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// errorResponses are the 4xx answers an operation may list, all in the
// error shape of errors.go.
var errorResponses = []struct {
	status      int
	name        string
	description string
}{
	{http.StatusBadRequest, "BadRequest", "invalid_request: a body, query or path parameter is malformed or out of range; details name the field"},
	{http.StatusUnauthorized, "Unauthorized", "unauthenticated: no bearer token, or one that is unknown or revoked"},
	{http.StatusForbidden, "Forbidden", "forbidden: the caller's role may not do this, or an agent acts on what is not its own"},
	{http.StatusNotFound, "NotFound", "not_found: nothing has the id in the path"},
	{http.StatusConflict, "Conflict", "conflict: the change clashes with the current state (a duplicate, something still in use, a transition that is not allowed)"},
	{http.StatusRequestEntityTooLarge, "PayloadTooLarge", "too_large: the request body is larger than the server's limit"},
	{http.StatusUnprocessableEntity, "RuleInvalid", "rule_invalid: a rule's condition does not compile; details locate each problem"},
}

// errorStatuses lists the 4xx answers r can give, derived from what it
// takes and who may call it.
func errorStatuses(r route, pathParams int) []int {
	var out []int
	if r.Request != nil || len(r.Query) > 0 || pathParams > 0 {
		out = append(out, http.StatusBadRequest)
	}
	if !r.Public {
		// 403 also where every role may call the route: handlers refuse an
		// agent another agent's presence, notifications or conversations.
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	if pathParams > 0 {
		out = append(out, http.StatusNotFound)
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		out = append(out, http.StatusConflict)
	}
	// limitBody refuses an oversized Content-Length on every route, not only
	// on those that read a body.
	out = append(out, http.StatusRequestEntityTooLarge)
	if compilesConditions(r) {
		out = append(out, http.StatusUnprocessableEntity)
	}
	return out
}

// compilesConditions reports whether r compiles rule conditions: its body
// carries one, or it restores a rule-set version, whose rules are compiled
// again (the language may have changed since the version was saved).
func compilesConditions(r route) bool {
	if strings.Contains(r.Path, "/rules/versions/") && strings.HasSuffix(r.Path, "/restore") {
		return true
	}
	return r.Request != nil && carriesField(reflect.TypeOf(r.Request), "condition", map[reflect.Type]bool{})
}

// carriesField reports whether t has, at any depth, a field of that JSON name.
func carriesField(t reflect.Type, name string, seen map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return false
	}
	seen[t] = true
	for _, f := range jsonFieldsOf(t) {
		if f.name == name || carriesField(f.typ, name, seen) {
			return true
		}
	}
	return false
}

// buildOpenAPI generates the OpenAPI 3 document from the route table; the
// schemas come from the request and response types by reflection.
func buildOpenAPI(routes []route, version string) (*openapi3.T, error) {
	doc, _, err := generateOpenAPI(routes, version)
	return doc, err
}

// generateOpenAPI is buildOpenAPI, and also answers the keys of enums and
// requiredInRequests that no field of these routes has (a server without
// Twitter lacks some).
func generateOpenAPI(routes []route, version string) (*openapi3.T, []string, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "Switchboard API",
			Version:     version,
			Description: "Manage Twitter applications and handles, work streams, routing rules, queues, agents and conversations.",
		},
		// Relative: the document is served by the API it describes.
		Servers:  openapi3.Servers{{URL: "/", Description: "the server that serves this document"}},
		Security: openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("bearerAuth")},
		Paths:    openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearerAuth": &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").
					WithBearerFormat("opaque token").WithDescription("an API key's or an agent's token: Authorization: Bearer <token>")},
			},
			Responses: openapi3.ResponseBodies{},
		},
	}
	// Answers and requests have their own generators: an answer always
	// carries its fields without omitempty (required), while a request's
	// pointer fields are keys that may be left out, not nulls.
	used := map[string]bool{}
	answers, requests := newSchemaGenerator(schemaSide{answer: true, used: used}), newSchemaGenerator(schemaSide{used: used})
	answerSchemas, requestSchemas := openapi3.Schemas{}, openapi3.Schemas{}
	answerOf := func(v any) (*openapi3.SchemaRef, error) { return answers.NewSchemaRefForValue(v, answerSchemas) }
	requestOf := func(v any) (*openapi3.SchemaRef, error) { return requests.NewSchemaRefForValue(v, requestSchemas) }

	errSchema, err := answerOf(errorBody{})
	if err != nil {
		return nil, nil, fmt.Errorf("openapi: error schema: %w", err)
	}
	answerSchemas["errorBody"] = errSchema
	errRef := openapi3.NewSchemaRef("#/components/schemas/errorBody", nil)
	responseName := map[int]string{}
	for _, e := range errorResponses {
		responseName[e.status] = e.name
		doc.Components.Responses[e.name] = &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(e.description).WithJSONSchemaRef(errRef)}
	}

	for _, r := range routes {
		op := openapi3.NewOperation()
		op.Summary = r.Summary
		op.OperationID = operationID(r)
		if r.Tag != "" {
			op.Tags = []string{r.Tag}
		}
		path, params := openAPIPath(r.Path)
		for _, p := range params {
			op.AddParameter(openapi3.NewPathParameter(p).WithSchema(openapi3.NewStringSchema()))
		}
		for _, q := range r.Query {
			schema := openapi3.NewStringSchema()
			if values, ok := enums[r.Path+"?"+q.Name]; ok {
				schema.Enum, used[r.Path+"?"+q.Name] = values, true
			}
			if q.Name == "limit" { // pageParams' bounds
				schema = openapi3.NewIntegerSchema().WithMin(1).WithMax(engine.MaxPageLimit)
			}
			op.AddParameter(openapi3.NewQueryParameter(q.Name).WithDescription(q.Description).WithSchema(schema))
		}
		if r.Request != nil {
			ref, err := requestOf(r.Request)
			if err != nil {
				return nil, nil, fmt.Errorf("openapi: %s %s request: %w", r.Method, r.Path, err)
			}
			// decodeBody refuses an empty body; optionalBody does not.
			required := !optionalBodies[schemaName(reflect.TypeOf(r.Request))]
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(required).WithJSONSchemaRef(ref)}
		}
		ok := openapi3.NewResponse().WithDescription(http.StatusText(r.Status))
		switch {
		case r.ContentType == "application/json":
			ok.WithContent(openapi3.NewContentWithSchema(openapi3.NewObjectSchema(), []string{r.ContentType}))
		case r.ContentType != "":
			ok.WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{r.ContentType}))
		case r.Response != nil:
			ref, err := answerOf(r.Response)
			if err != nil {
				return nil, nil, fmt.Errorf("openapi: %s %s response: %w", r.Method, r.Path, err)
			}
			ok.WithJSONSchemaRef(ref)
		}
		op.AddResponse(r.Status, ok)
		for _, status := range errorStatuses(r, len(params)) {
			op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: "#/components/responses/" + responseName[status]})
		}
		// What no route rules out: 405, 500, and 503 while draining or when
		// the database does not answer.
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription("any other error (method_not_allowed, internal, unavailable), in the same shape").WithJSONSchemaRef(errRef)})
		if r.Public {
			op.Security = &openapi3.SecurityRequirements{}
		}
		doc.AddOperation(path, r.Method, op)
	}

	for name, s := range answerSchemas {
		doc.Components.Schemas[name] = s
	}
	for name, s := range requestSchemas {
		if _, clash := doc.Components.Schemas[name]; clash {
			return nil, nil, fmt.Errorf("openapi: type %s is part of both a request and an answer; give the request its own type", name)
		}
		doc.Components.Schemas[name] = s
	}
	var unused []string
	for key := range enums {
		if !used[key] {
			unused = append(unused, key)
		}
	}
	for key := range requiredInRequests {
		if !used[key] {
			unused = append(unused, key)
		}
	}
	slices.Sort(unused)
	return doc, unused, nil
}

func newSchemaGenerator(side schemaSide) *openapi3gen.Generator {
	return openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(),
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true, ExportGenerics: false}),
		openapi3gen.CreateTypeNameGenerator(schemaName),
		openapi3gen.SchemaCustomizer(side.customize))
}

// schemaSide customizes the schemas of answers or of requests.
type schemaSide struct {
	answer bool
	used   map[string]bool // the keys of enums and requiredInRequests applied
}

// customize describes types whose JSON form differs from their Go kind, and
// gives a struct's properties their required list, formats and enums.
func (s schemaSide) customize(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeOf(nullableInt{}):
		schema.Type = &openapi3.Types{openapi3.TypeInteger}
		schema.Format = ""
		schema.Nullable, schema.Items = true, nil
		schema.Description = "a whole number, or null to clear it"
		return nil
	case reflect.TypeOf(duration(0)):
		schema.Type = &openapi3.Types{openapi3.TypeString}
		schema.Format = ""
		schema.Example = "90s"
		schema.Description = "a Go duration string, e.g. 90s, 10m, 24h"
	}
	if !s.answer {
		// A pointer in a request is a key that may be left out ("leave as
		// is"); null is not one of its values.
		schema.Nullable = false
	}
	if t.Kind() != reflect.Struct || schema.Properties == nil {
		return nil
	}
	for _, f := range jsonFieldsOf(t) {
		prop := schema.Properties[f.name]
		if prop == nil || prop.Value == nil {
			continue
		}
		key := f.declaredBy + "." + f.name
		switch {
		case s.answer && f.always:
			schema.Required = append(schema.Required, f.name)
		case !s.answer && requiredInRequests[key]:
			schema.Required = append(schema.Required, f.name)
			s.used[key] = true
		}
		if s.answer && strings.HasPrefix(prop.Ref, "#/components/schemas/") && f.typ.Kind() == reflect.Pointer {
			// A component drops the nullable of the pointer that led to
			// it; nil is written as null, so say so here.
			schema.Properties[f.name] = &openapi3.SchemaRef{Value: &openapi3.Schema{
				Type: &openapi3.Types{openapi3.TypeObject}, Nullable: true, AllOf: openapi3.SchemaRefs{prop}}}
		}
		v := prop.Value
		if v.Type.Is(openapi3.TypeString) && isTimestamp(f.name) {
			v.Format = "date-time"
		}
		if values, ok := enums[key]; ok {
			if v.Type.Is(openapi3.TypeArray) && v.Items != nil && v.Items.Value != nil {
				v = v.Items.Value
			}
			v.Enum = values
			s.used[key] = true
		}
	}
	return nil
}

// isTimestamp tells the RFC 3339 strings (timestamp in decode.go) by name.
func isTimestamp(name string) bool {
	return name == "at" || strings.HasSuffix(name, "_at") || strings.HasSuffix(name, "_since")
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name       string
	typ        reflect.Type
	declaredBy string // schemaName of the struct that declares it, maybe an embedded one
	always     bool   // written even when zero: no omitempty, not behind an embedded pointer
}

// jsonFieldsOf lists t's fields as encoding/json sees them, the promoted
// fields of embedded structs included.
func jsonFieldsOf(t reflect.Type) []jsonField {
	var out []jsonField
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			continue // its fields are promoted
		}
		if name == "" {
			name = f.Name
		}
		parent, viaPointer := t, false
		for _, i := range f.Index[:len(f.Index)-1] {
			pt := parent.Field(i).Type
			if pt.Kind() == reflect.Pointer {
				viaPointer, pt = true, pt.Elem()
			}
			parent = pt
		}
		options := strings.Split(opts, ",")
		omit := slices.Contains(options, "omitempty") || slices.Contains(options, "omitzero")
		out = append(out, jsonField{name: name, typ: f.Type, declaredBy: schemaName(parent), always: !omit && !viaPointer})
	}
	return out
}

// openAPIPath turns /queues/:id into /queues/{id}.
func openAPIPath(p string) (string, []string) {
	parts := strings.Split(p, "/")
	var params []string
	for i, part := range parts {
		if strings.HasPrefix(part, ":") || strings.HasPrefix(part, "*") {
			params = append(params, part[1:])
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/"), params
}

func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, part := range strings.Split(r.Path, "/") {
		part = strings.TrimLeft(part, ":*")
		for _, w := range strings.FieldsFunc(part, func(c rune) bool { return c == '_' || c == '-' || c == '.' }) {
			if w == "api" || w == "v1" {
				continue
			}
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// schemaName names component schemas after their Go type, without the
// package and without "Response"/"Request" noise in generics.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		inner := name[i+1 : len(name)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		name = name[:i] + "_" + inner
	}
	return name
}

func (s *Server) serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", s.openAPI)
}
