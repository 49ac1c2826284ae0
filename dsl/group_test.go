package dsl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestGroupExpression(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"vip", `{"any": [
			{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000},
			{"all": [{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"},
			         {"attribute": "Customer.Verified", "operator": "is true"}]}]}`,
			`Customer.FollowersCount > 10000 || ("vip" in Customer.Tags && Customer.Verified)`},
		{"text operators", `{"all": [
			{"attribute": "Message.Text", "operator": "does not contain", "value": "spam"},
			{"attribute": "Customer.ScreenName", "operator": "begins_with", "value": "acme"},
			{"attribute": "Channel.Handle", "operator": "In", "value": ["Acme Care", "Acme \"Billing\""]},
			{"attribute": "Customer.Language", "operator": "not equals", "value": "fr"},
			{"attribute": "Message.MediaType", "operator": "is empty"},
			{"attribute": "Message.Text", "operator": "matches", "value": "(?i)order #?[0-9]+"}]}`,
			`not (Message.Text contains "spam") && Customer.ScreenName startsWith "acme" && Channel.Handle in ["Acme Care", "Acme \"Billing\""] && Customer.Language != "fr" && Message.MediaType == "" && Message.Text matches "(?i)order #?[0-9]+"`},
		{"numbers and yes/no", `{"all": [
			{"attribute": "Hour", "operator": "between", "value": [9, 17]},
			{"attribute": "Conversation.RequeueCount", "operator": "at least", "value": "2"},
			{"attribute": "Customer.Protected", "operator": "is false"},
			{"attribute": "Customer.Verified", "operator": "equals", "value": true},
			{"attribute": "Customer.Tags", "operator": "is not empty"}]}`,
			`between(Hour, 9, 17) && Conversation.RequeueCount >= 2 && !Customer.Protected && Customer.Verified == true && len(Customer.Tags) > 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g Group
			if err := json.Unmarshal([]byte(tt.json), &g); err != nil {
				t.Fatal(err)
			}
			got, err := g.Expression()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Expression() =\n%s\nwant\n%s", got, tt.want)
			}
			if _, err := g.Compile(); err != nil {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}

func TestGroupErrors(t *testing.T) {
	tests := []struct {
		name, json, path, message, hint string
	}{
		{"misspelt attribute", `{"any": [{"attribute": "Hour", "operator": "equals", "value": 3},
			{"attribute": "Hour", "operator": "equals", "value": 4},
			{"attribute": "Customer.FollowerCount", "operator": "greater", "value": 3}]}`,
			"any[2].attribute", "unknown attribute Customer.FollowerCount", "did you mean Customer.FollowersCount?"},
		{"attribute under the wrong parent", `{"all": [{"attribute": "Customer.Text", "operator": "contains", "value": "x"}]}`,
			"all[0].attribute", "unknown attribute Customer.Text", "did you mean Message.Text?"},
		{"unknown operator", `{"all": [{"attribute": "Message.Text", "operator": "contians", "value": "x"}]}`,
			"all[0].operator", `unknown operator "contians"`, `did you mean "contains"?`},
		{"operator for another type", `{"all": [{"attribute": "Customer.ScreenName", "operator": "greater", "value": 3}]}`,
			"all[0].operator", `"greater" does not apply to Customer.ScreenName (text)`, "for text the operators are equals"},
		{"number as words", `{"all": [{"attribute": "Hour", "operator": "greater", "value": "nine"}]}`,
			"all[0].value", `Hour is a number, but the value is text "nine"`, "as in 14"},
		{"nested path", `{"all": [{"attribute": "Hour", "operator": "less", "value": 3}, {"any": [{"attribute": "Hour", "operator": "in", "value": 3}]}]}`,
			"all[1].any[0].value", `"in" needs a list of values`, "as in"},
		{"bad regex", `{"all": [{"attribute": "Message.Text", "operator": "matches", "value": "(["}]}`,
			"all[0].value", "the value is not a valid regular expression: missing closing ]: `[`", "special meanings"},
		{"both all and any", `{"all": [{"attribute": "Hour", "operator": "less", "value": 3}], "any": [{"attribute": "Hour", "operator": "less", "value": 3}]}`,
			"any", "a group has either all or any, not both", "nested group"},
		{"empty", `{}`, "all", "the group has no conditions", `"all"`},
		{"no value", `{"all": [{"attribute": "Hour", "operator": "less"}]}`, "all[0].value", `"less" needs a value`, "as in"},
		{"value for is true", `{"all": [{"attribute": "Customer.Verified", "operator": "is true", "value": false}]}`, "all[0].value", `"is true" takes no value`, "remove"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g Group
			if err := json.Unmarshal([]byte(tt.json), &g); err != nil {
				t.Fatal(err)
			}
			_, err := g.Expression()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *dsl.Error", err)
			}
			if e.Path != tt.path || e.Message != tt.message || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("error = %q %q %q\nwant    %q %q, hint with %q", e.Path, e.Message, e.Hint, tt.path, tt.message, tt.hint)
			}
			if !strings.HasPrefix(e.Error(), tt.path+": ") {
				t.Errorf("Error() = %q does not start with the path", e.Error())
			}
		})
	}
}

// FuzzGroup requires that a structured condition either converts to text that
// compiles, or fails with an *Error naming its path; and that text values
// survive the conversion.
func FuzzGroup(f *testing.F) {
	for _, s := range []string{
		`{"any": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000}]}`,
		`{"all": [{"attribute": "Message.Text", "operator": "contains", "value": "re\"fu\\nd\n"}]}`,
		`{"all": [{"attribute": "Channel.Handle", "operator": "in", "value": ["a", 3, true]}]}`,
		`{"all": [{"attribute": "Now", "operator": "after", "value": "2026-11-24T14:05:00Z"}]}`,
		`{"all": [{"attribute": "Hour", "operator": "between", "value": [9, 17.5]}]}`,
		`{"all": [{"any": [{"all": [{"attribute": "Customer.Verified", "operator": "is true"}]}]}]}`,
		`{"all": [{"attribute": "Message.Text", "operator": "matches", "value": "(?i)a+"}]}`,
		`{"all": [{"attribute": "Message.Text", "operator": "equals", "value": "a\"b\\c\td\u00e9\u0000"}]}`,
		`{"all": []}`, `{"all": [{}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var g Group
		if json.Unmarshal([]byte(data), &g) != nil {
			return
		}
		src, err := g.Expression()
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Path == "" || e.Message == "" {
				t.Fatalf("error without a path: %#v", err)
			}
			return
		}
		p, err := Compile(src)
		if err != nil {
			t.Fatalf("Expression() = %q does not compile: %v", src, err)
		}
		// A single equality on text is true exactly for its own value.
		if len(g.All) == 1 && g.All[0].Attribute == "Message.Text" && normalizeOperator(g.All[0].Operator) == "equals" {
			if s, ok := g.All[0].Value.(string); ok {
				if ok, err := p.Eval(&Context{Message: Message{Text: s}}, nil); !ok || err != nil {
					t.Fatalf("%q does not match its own value %q", src, s)
				}
			}
		}
	})
}
