package dsl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DecodeContext decodes an engagement context written as JSON, with the Go
// field names as keys: {"Customer": {"FollowersCount": 12000}, "Hour": 9}.
// Missing fields are zero values. An unknown key, or a value of the wrong
// type, is an *Error whose Path names the key (e.g. "Customer.Tags[1]") and
// whose message says what was expected, in analyst words.
func DecodeContext(data []byte) (*Context, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, &Error{Message: fmt.Sprintf("the context is not valid JSON: %v", err)}
	}
	if dec.More() {
		return nil, &Error{Message: "the context has more than one JSON value"}
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, &Error{
			Message: fmt.Sprintf("the context must be an object, but it is %s", jsonWords(raw)),
			Hint:    `write it as {"Customer": {"FollowersCount": 12000}, "Message": {"Text": "refund please"}}`,
		}
	}
	if err := checkObject("", top); err != nil {
		return nil, err
	}
	var c Context
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, &Error{Message: fmt.Sprintf("the context does not fit: %v", scrub(err.Error()))}
	}
	c.Time.at = c.Now // Hour and Weekday stay as given
	if c.Message.Domains == nil && len(c.Message.URLs) > 0 {
		// Domains follow from URLs, as they do for a real message.
		c.Message.Domains = LinkDomains(c.Message.URLs)
	}
	return &c, nil
}

func checkObject(group string, obj map[string]any) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := obj[k]
		path := k
		if group != "" {
			path = group + "." + k
		}
		if group == "" && isGroup(k) {
			if v == nil {
				continue
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return &Error{Path: path, Message: fmt.Sprintf("%s must be an object of fields, but it is %s", path, jsonWords(v)),
					Hint: fmt.Sprintf("its fields are %s", strings.Join(leaves(fieldsUnder(k)), ", "))}
			}
			if err := checkObject(k, sub); err != nil {
				return err
			}
			continue
		}
		f, ok := LookupField(path)
		if !ok {
			return &Error{Path: path, Message: fmt.Sprintf("unknown field %s", path), Hint: suggestField(group, k)}
		}
		if err := checkValue(&f, path, v); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(f *Field, path string, v any) error {
	if v == nil {
		return nil
	}
	wrong := func(hint string) error {
		return &Error{Path: path, Message: fmt.Sprintf("%s must be %s, but it is %s", path, withArticle(f.Type), jsonWords(v)), Hint: hint}
	}
	switch f.Kind {
	case KindText:
		if _, ok := v.(string); !ok {
			return wrong(fmt.Sprintf("write text in quotes, as in %s", f.Example))
		}
	case KindNumber:
		n, ok := v.(json.Number)
		if !ok {
			return wrong(fmt.Sprintf("write numbers without quotes, as in %s", f.Example))
		}
		if _, err := n.Int64(); err != nil {
			return &Error{Path: path, Message: fmt.Sprintf("%s must be a whole number, but it is %s", path, n), Hint: fmt.Sprintf("as in %s", f.Example)}
		}
	case KindBool:
		if _, ok := v.(bool); !ok {
			return wrong("write true or false, without quotes")
		}
	case KindTextList:
		list, ok := v.([]any)
		if !ok {
			return wrong(fmt.Sprintf("write a list in brackets, as in %s", f.Example))
		}
		for i, e := range list {
			if _, ok := e.(string); !ok {
				return &Error{Path: fmt.Sprintf("%s[%d]", path, i),
					Message: fmt.Sprintf("%s[%d] must be text, but it is %s", path, i, jsonWords(e)),
					Hint:    fmt.Sprintf("write each item in quotes, as in %s", f.Example)}
			}
		}
	case KindTime:
		s, ok := v.(string)
		if !ok {
			return wrong(fmt.Sprintf("write a time in quotes, as in %s", f.Example))
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return &Error{Path: path, Message: fmt.Sprintf("%s must be a time, but %q is not one", path, s),
				Hint: fmt.Sprintf("write it as date, T, time and zone: %s", f.Example)}
		}
	}
	return nil
}

// jsonWords describes a decoded JSON value: `text "10"`, `the number 10`.
func jsonWords(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("text %q", v)
	case json.Number:
		return fmt.Sprintf("the number %s", v)
	case bool:
		return fmt.Sprintf("the yes/no value %v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}
