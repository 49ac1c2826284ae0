package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"
)

// buildOpenAPI generates the OpenAPI 3 document from the route table; the
// schemas come from the request and response types by reflection.
func buildOpenAPI(routes []route, version string) (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "Switchboard API",
			Version:     version,
			Description: "Manage Twitter applications and handles, work streams, routing rules, queues, agents and conversations.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque token")},
			},
			Responses: openapi3.ResponseBodies{},
		},
	}
	gen := openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(),
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true, ExportGenerics: false}),
		openapi3gen.CreateTypeNameGenerator(schemaName),
		openapi3gen.SchemaCustomizer(customizeSchema))
	schemaOf := func(v any) (*openapi3.SchemaRef, error) {
		return gen.NewSchemaRefForValue(v, doc.Components.Schemas)
	}
	errSchema, err := schemaOf(errorBody{})
	if err != nil {
		return nil, fmt.Errorf("openapi: error schema: %w", err)
	}
	errorResponse := func(desc string) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(desc).WithJSONSchemaRef(errSchema)}
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
			op.AddParameter(openapi3.NewQueryParameter(q.Name).WithDescription(q.Description).WithSchema(openapi3.NewStringSchema()))
		}
		if r.Request != nil {
			ref, err := schemaOf(r.Request)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s request: %w", r.Method, r.Path, err)
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(ref)}
		}
		ok := openapi3.NewResponse().WithDescription(http.StatusText(r.Status))
		switch {
		case r.ContentType == "application/json":
			ok.WithContent(openapi3.NewContentWithSchema(openapi3.NewObjectSchema(), []string{r.ContentType}))
		case r.ContentType != "":
			ok.WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{r.ContentType}))
		case r.Response != nil:
			ref, err := schemaOf(r.Response)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s response: %w", r.Method, r.Path, err)
			}
			ok.WithJSONSchemaRef(ref)
		}
		op.AddResponse(r.Status, ok)
		op.Responses.Set("default", errorResponse("an error: {error: {code, message, details}}"))
		if !r.Public {
			op.Security = &openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("bearer")}
		}
		doc.AddOperation(path, r.Method, op)
	}
	return doc, nil
}

// customizeSchema describes types whose JSON form differs from their Go kind.
func customizeSchema(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(duration(0)) {
		schema.Type = &openapi3.Types{openapi3.TypeString}
		schema.Format = ""
		schema.Example = "90s"
		schema.Description = "a Go duration string, e.g. 90s, 10m, 24h"
	}
	if t == reflect.TypeOf(nullableInt{}) {
		schema.Type = &openapi3.Types{openapi3.TypeInteger}
		schema.Nullable, schema.Items = true, nil
		schema.Description = "a whole number, or null to clear it"
	}
	return nil
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
