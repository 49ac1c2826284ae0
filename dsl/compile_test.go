package dsl

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCompileErrorsForAnalysts(t *testing.T) {
	tests := []struct {
		name    string
		source  string
		line    int
		column  int
		message string
		hint    string // substring of the hint
	}{
		{"misspelt field", `Customer.FollowerCount > 10000`, 1, 10,
			"Customer has no field FollowerCount", "did you mean Customer.FollowersCount?"},
		{"field under the wrong parent", `Customer.Text contains "refund"`, 1, 10,
			"Customer has no field Text", "did you mean Message.Text? Text is part of Message"},
		{"field without its parent", `FollowersCount > 3`, 1, 1,
			"unknown field FollowersCount", "did you mean Customer.FollowersCount?"},
		{"misspelt top-level field", `Huor > 9`, 1, 1,
			"unknown field Huor", "did you mean Hour?"},
		{"number compared with text", `Customer.FollowersCount > "10"`, 1, 25,
			`cannot compare Customer.FollowersCount (a number) with "10" (text)`, `numbers are written without quotes: 10, not "10"`},
		{"yes/no compared with text", `Customer.Verified == "yes"`, 1, 19,
			`cannot compare Customer.Verified (a yes/no value) with "yes" (text)`, "compared with true or false"},
		{"contains on a number", `Message.Text contains 3`, 1, 14,
			"contains works on text, but got Message.Text (text) and 3 (a number)", "text is written in quotes"},
		{"not a boolean", `Customer.FollowersCount`, 1, 1,
			"a rule must be true or false, but this one gives a number", "compare it with something"},
		{"text is not a boolean", `Customer.Name`, 1, 1,
			"a rule must be true or false, but this one gives text", "compare it with something"},
		{"unterminated string", `Message.Text contains "refund`, 1, 30,
			"this text has no closing quote", "end the text with the same quote"},
		{"dangling and", `Customer.FollowersCount > 10 &&`, 1, 30,
			"the rule ends after &&, which needs something on its right", "add another condition after &&"},
		{"dangling comparison", `Customer.FollowersCount >`, 1, 25,
			"the rule ends after >, which needs something on its right", "add the value to compare with"},
		{"dangling operator on a later line", "Customer.Verified &&\n  Hour >", 2, 8,
			"the rule ends after >, which needs something on its right", "add the value to compare with"},
		{"misspelt field on a later line", "Hour > 3 &&\n  Mesage.Text contains \"x\"", 2, 3,
			"unknown field Mesage", "did you mean Message?"},
		{"unclosed parenthesis", `(Hour > 9 || Hour < 3`, 1, 1,
			"this ( is never closed", "add the matching )"},
		{"single equals", `Customer.FollowersCount = 10`, 1, 25,
			"unexpected =", "write == (two equals signs)"},
		{"unknown function", `hasTg("vip")`, 1, 1,
			"unknown function hasTg", "did you mean hasTag?"},
		{"operator called as a function", `startWith("x")`, 1, 1,
			"unknown function startWith", "did you mean startsWith? It is written between its two values"},
		{"bad regex", `Message.Text matches "order ([0-9]+"`, 1, 14,
			"the pattern after matches is not a valid regular expression: missing closing ): `order ([0-9]+`", "special meanings"},
		{"wrong arguments to hasTag", `hasTag(3)`, 1, 1,
			`hasTag takes one tag in quotes, as in hasTag("vip")`, ""},
		{"wrong arguments to between", `between(Hour, "9", 17)`, 1, 1,
			"between takes a number and two bounds, as in between(Hour, 9, 17)", ""},
		{"list used as text", `Customer.Tags contains "vip"`, 1, 15,
			`contains works on text, but got Customer.Tags (a list of text) and "vip" (text)`, `write "vip" in Customer.Tags, or hasTag("vip")`},
		{"in used for text", `Message.Text in "refund"`, 1, 14,
			`in needs a list on its right, but got Message.Text (text) and "refund" (text)`, `write Message.Text contains "refund"`},
		{"word meant as text", `Customer.Language == en`, 1, 22,
			"unknown field en", `put it in quotes: "en"`},
		{"field in lower case", `hour > 9`, 1, 1,
			"unknown field hour", "did you mean Hour? Field names start with a capital letter"},
		{"True", `Customer.Verified == True`, 1, 22, "unknown field True", "write true in lower case"},
		{"thousands separator", `Customer.FollowersCount > 10,000`, 1, 29,
			"unexpected , here", "write numbers without separators"},
		{"upper-case operator", `Hour > 10 AND Hour < 12`, 1, 11, "unexpected AND here", "write and, in this case"},
		{"arrow for at least", `Customer.FollowersCount => 10`, 1, 25, "unexpected =", "write >= for greater or equal"},
		{"minutes with a unit", `Conversation.WaitMinutes > 5m`, 1, 29, `"5m" is not a number`, "digits only"},
		{"missing operator", `Message.Text contains "a" Message.Text contains "b"`, 1, 27,
			"unexpected Message here", "is an operator such as && or == missing before it?"},
		{"function without parentheses", `lower == "x"`, 1, 7,
			`cannot compare the function lower (a function) with "x" (text)`, "call a function with parentheses"},
		{"not on a number", `!Customer.FollowersCount`, 1, 1,
			"! needs a condition that is true or false, but got Customer.FollowersCount (a number)", ""},
		{"character outside text", `Customer.ScreenName == ada@acme`, 1, 27,
			"the character @ cannot be used here", "text goes in quotes"},
		{"misspelt operator", `Message.Text contians "refund"`, 1, 14,
			"unexpected contians here", "did you mean contains?"},
		{"empty", `   `, 1, 1, "the rule is empty", "write a condition"},
		{"too long", `Hour > 1 || ` + strings.Repeat("Hour > 1 || ", MaxLength/12) + `Hour > 1`, 1, 1,
			"the rule is too long: 10016 characters, at most 10000 are allowed", "split it"},
		{"too complex", `Hour > 1` + strings.Repeat(` || Hour > 1`, MaxNodes/3+1), 1, 1,
			"the rule is too complex: it has more than 1000 parts", "split it"},
	}
	goType := regexp.MustCompile(`dsl\.|interface \{\}|\bint\b|\bstring\b|\bfloat64\b|\bbool\b|\[\]`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.source)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", tt.source, p)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Compile(%q) error %T, want *dsl.Error", tt.source, err)
			}
			if e.Line != tt.line || e.Column != tt.column {
				t.Errorf("position = %d:%d, want %d:%d\n%v", e.Line, e.Column, tt.line, tt.column, e)
			}
			if e.Message != tt.message {
				t.Errorf("message = %q, want %q", e.Message, tt.message)
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint = %q, want it to contain %q", e.Hint, tt.hint)
			}
			if goType.MatchString(e.Message) {
				t.Errorf("message %q shows a Go type", e.Message)
			}
			if e.Snippet == "" {
				t.Errorf("no snippet")
			} else {
				lines := strings.Split(e.Snippet, "\n")
				caret := lines[len(lines)-1]
				if len(caret) != tt.column || !strings.HasSuffix(caret, "^") {
					t.Errorf("caret line %q does not point at column %d", caret, tt.column)
				}
			}
		})
	}
}

func TestErrorStringShowsEverything(t *testing.T) {
	_, err := Compile(`Customer.FollowerCount > 10000`)
	want := "line 1, column 10: Customer has no field FollowerCount\n" +
		"  | Customer.FollowerCount > 10000\n" +
		"  |          ^\n" +
		"hint: did you mean Customer.FollowersCount?"
	if err == nil || err.Error() != want {
		t.Fatalf("Error() =\n%v\nwant\n%s", err, want)
	}
}

func TestCompileAndEval(t *testing.T) {
	c := &Context{
		Customer: Customer{FollowersCount: 20000, ScreenName: "ada", Tags: []string{"VIP", "press"}, Verified: true},
		Message:  Message{Text: "I want a REFUND now", Hashtags: []string{"outage"}},
		Channel:  Channel{Handle: "Acme Care", Kind: "twitter"},
		Hour:     10,
		Weekday:  "Tuesday",
	}
	c.SetTime(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), nil)
	c.Customer.AccountCreatedAt = c.Now.Add(-48 * time.Hour)
	tests := []struct {
		source string
		want   bool
		fast   bool
	}{
		{`Customer.FollowersCount > 10000 && lower(Message.Text) contains "refund"`, true, true},
		{`Customer.FollowersCount > 10000 && Message.Text contains "refund"`, false, true},
		{`hasTag("vip")`, true, true},
		{`hasTag("gold")`, false, true},
		{`textHasAny(["chargeback", "refund"])`, true, true},
		{`between(Hour, 9, 17) && Weekday not in ["Saturday", "Sunday"]`, true, true},
		{`Channel.Handle in ["Acme Care", "Acme Billing"]`, true, true},
		{`"outage" in Message.Hashtags`, true, true},
		{`Message.Text matches "(?i)refund"`, true, true},
		{`len(Customer.Tags) == 2 && !Customer.Protected`, true, true},
		{`Customer.FollowersCount / 1000 >= 20.0`, true, true},
		{`Customer.Verified ? Hour > 9 : Hour > 20`, true, true},
		{`any(Customer.Tags, # == "press")`, true, true},
		{`all(Customer.Tags, lower(#) in ["vip", "press"]) && none(Message.Hashtags, # startsWith "spam")`, true, true},
		{`one(Customer.Tags, # == Customer.ScreenName)`, false, true},
		{`count(Customer.Tags, # != "") > 1`, true, false},
		{`Customer.AccountCreatedAt > Now - duration("720h") && Now - Customer.AccountCreatedAt >= duration("1h")`, true, true},
		{`Customer.ScreenName + "!" == "ada!"`, true, false},
	}
	for _, tt := range tests {
		p, err := Compile(tt.source)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.source, err)
		}
		if p.Fast() != tt.fast {
			t.Errorf("Compile(%q).Fast() = %v, want %v", tt.source, p.Fast(), tt.fast)
		}
		got, err := p.Eval(c, nil)
		if err != nil || got != tt.want {
			t.Errorf("Eval(%q) = %v, %v; want %v", tt.source, got, err, tt.want)
		}
		vm, err := p.EvalVM(c, &Runner{})
		if err != nil || vm != tt.want {
			t.Errorf("EvalVM(%q) = %v, %v; want %v", tt.source, vm, err, tt.want)
		}
	}
}

func TestRuntimeErrorIsPositioned(t *testing.T) {
	p, err := Compile(`Customer.Tags[3] == "vip"`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Eval(&Context{}, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Eval error = %v, want *dsl.Error", err)
	}
	if e.Line != 1 || e.Column != 14 || e.Message != "index out of range: 3 (array length is 0)" {
		t.Errorf("error = %d:%d %q", e.Line, e.Column, e.Message)
	}
}

func TestReadsAndValues(t *testing.T) {
	p, err := Compile(`Customer.FollowersCount > 10000 && hasTag("vip") || Hour > 20`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(p.Reads(), ","), "Customer.FollowersCount,Customer.Tags,Hour"; got != want {
		t.Errorf("Reads() = %s, want %s", got, want)
	}
	v := p.Values(&Context{Hour: 21, Customer: Customer{FollowersCount: 5}})
	if v["Hour"] != 21 || v["Customer.FollowersCount"] != 5 || len(v) != 3 {
		t.Errorf("Values() = %v", v)
	}
}

func TestFieldsCatalogue(t *testing.T) {
	fs := Fields()
	if len(fs) < 30 {
		t.Fatalf("only %d fields", len(fs))
	}
	var c Context
	for _, f := range fs {
		if f.Path == "" || f.Description == "" || f.Example == "" || f.Type != f.Kind.String() {
			t.Errorf("incomplete field %+v", f)
		}
		if f.Value(&c) == nil && f.Kind != KindTextList {
			t.Errorf("%s: no getter for its kind", f.Path)
		}
		// Every catalogue field compiles in a rule.
		var src string
		switch f.Kind {
		case KindText:
			src = f.Path + ` == ""`
		case KindNumber:
			src = f.Path + ` > 0`
		case KindBool:
			src = f.Path
		case KindTextList:
			src = `"x" in ` + f.Path
		case KindTime:
			src = f.Path + ` < Now`
		}
		p, err := Compile(src)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
		} else if !p.Fast() {
			t.Errorf("%s: not on the fast path", f.Path)
		}
	}
}

func TestCatalogueMarshalsToJSON(t *testing.T) {
	data, err := json.Marshal(map[string]any{"fields": Fields(), "functions": Functions(), "operators": Operators()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `{"path":"Customer.FollowersCount","type":"number","description":"how many accounts follow the customer","example":"12000"}`) {
		t.Errorf("catalogue JSON: %s", data)
	}
}
