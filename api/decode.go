package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// decodeBody reads the request body as a JSON object into dst, a pointer to
// a request struct. Every problem is an engine.ErrInvalid naming the field:
// an unknown key, a value of the wrong type, a malformed duration. Fields
// that are pointers stay nil when the key is absent, which is how PATCH
// tells "leave as is" from "set to zero".
func decodeBody(c *gin.Context, dst any) error {
	data, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // *http.MaxBytesError becomes 413 in writeError
	}
	return decodeObject(data, dst)
}

func decodeObject(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return engine.Errorf(engine.ErrInvalid, "the request body must be a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return engine.Errorf(engine.ErrInvalid, "the request body is not valid JSON (at byte %d)", syntax.Offset)
		}
		return engine.Errorf(engine.ErrInvalid, "the request body must be a JSON object")
	}
	v := reflect.ValueOf(dst).Elem()
	fields := jsonFields(v.Type())
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		i, ok := fields[key]
		if !ok {
			names := make([]string, 0, len(fields))
			for n := range fields {
				names = append(names, n)
			}
			sort.Strings(names)
			return engine.FieldError(key, "is not a field of this request (fields: %s)", strings.Join(names, ", "))
		}
		f := v.Field(i)
		if err := json.Unmarshal(raw[key], f.Addr().Interface()); err != nil {
			return engine.FieldError(key, "%s", describeDecodeError(err, f.Type()))
		}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields to their index.
func jsonFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func describeDecodeError(err error, t reflect.Type) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return "must be " + describeType(typeErr.Type) + ", not " + jsonKind(typeErr.Value)
	}
	var fieldErr *engine.Error
	if errors.As(err, &fieldErr) {
		return fieldErr.Message
	}
	return "must be " + describeType(t)
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(duration(0)) {
		return `a duration such as "90s", "10m" or "24h"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// jsonKind names a JSON value kind in the words of an API user.
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number (" + strings.TrimSpace(strings.TrimPrefix(v, "number")) + ")"
	}
	return v
}

// duration is a time.Duration that travels as a Go duration string
// ("90s", "10m", "24h").
type duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return engine.Errorf(engine.ErrInvalid, `must be a duration string such as "90s", "10m" or "24h", not %s`, b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return engine.Errorf(engine.ErrInvalid, `%q is not a duration (write e.g. "90s", "10m", "24h")`, s)
	}
	*d = duration(v)
	return nil
}

// MarshalJSON writes the shortest duration string ("2m", not "2m0s").
func (d duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(formatDuration(time.Duration(d)))
}

func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func durationPtr(d *duration) *time.Duration {
	if d == nil {
		return nil
	}
	v := time.Duration(*d)
	return &v
}

// pathID reads an id from the path; a malformed one is a 400 naming field.
func pathID(c *gin.Context, param, field string) (string, error) {
	id := c.Param(param)
	if !engine.ValidID(id) {
		return "", engine.FieldError(field, "%q is not a valid id", id)
	}
	return id, nil
}

// pageParams reads ?limit= and ?cursor=.
func pageParams(c *gin.Context) (engine.Page, error) {
	var p engine.Page
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > engine.MaxPageLimit {
			return p, engine.FieldError("limit", "must be a whole number from 1 to %d", engine.MaxPageLimit)
		}
		p.Limit = n
	}
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || !engine.ValidID(string(b)) {
			return p, engine.FieldError("cursor", "is not a cursor this API returned")
		}
		p.After = string(b)
	}
	return p, nil
}

// listResponse is one page of a listing.
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func toList[E, T any](l engine.List[E], convert func(E) T) listResponse[T] {
	out := listResponse[T]{Items: make([]T, 0, len(l.Items))}
	for _, e := range l.Items {
		out.Items = append(out.Items, convert(e))
	}
	if l.Next != "" {
		cursor := base64.RawURLEncoding.EncodeToString([]byte(l.Next))
		out.NextCursor = &cursor
	}
	return out
}

// timestamp formats times in responses.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// nullableInt is a whole-number request field that tells an absent key
// (nil: leave the value as it is) from null (clear it) and a number. It
// holds the field's JSON, checked when decoded. (A slice, not a struct, so
// that the OpenAPI generator inlines its schema.)
type nullableInt []byte

// UnmarshalJSON keeps null or a whole number.
func (n *nullableInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) != "null" {
		var v int
		if err := json.Unmarshal(b, &v); err != nil {
			return engine.Errorf(engine.ErrInvalid, "must be a whole number, or null to clear it, not %s", b)
		}
	}
	*n = append(nullableInt{}, b...)
	return nil
}

// value returns the number given, nil when the key was absent or null.
func (n nullableInt) value() *int {
	var v *int
	if n != nil {
		_ = json.Unmarshal(n, &v) // checked by UnmarshalJSON
	}
	return v
}

// null reports whether the key was given as null.
func (n nullableInt) null() bool { return string(n) == "null" }
