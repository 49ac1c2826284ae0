package dsl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// parseGroupCases are texts the form can show, with the group they give and
// the group's canonical text ("" when it is the source itself).
var parseGroupCases = []struct {
	name, src, group, text string
}{
	// Text.
	{"text equals", `Customer.Language == "en"`,
		`{"all": [{"attribute": "Customer.Language", "operator": "equals", "value": "en"}]}`, ""},
	{"text not equals", `Customer.Language != "fr"`,
		`{"all": [{"attribute": "Customer.Language", "operator": "not equals", "value": "fr"}]}`, ""},
	{"text contains", `Message.Text contains "refund"`,
		`{"all": [{"attribute": "Message.Text", "operator": "contains", "value": "refund"}]}`, ""},
	{"text does not contain", `not (Message.Text contains "spam")`,
		`{"all": [{"attribute": "Message.Text", "operator": "does not contain", "value": "spam"}]}`, ""},
	{"text not contains, as expr also writes it", `Message.Text not contains "spam"`,
		`{"all": [{"attribute": "Message.Text", "operator": "does not contain", "value": "spam"}]}`, `not (Message.Text contains "spam")`},
	{"begins with", `Customer.ScreenName startsWith "acme"`,
		`{"all": [{"attribute": "Customer.ScreenName", "operator": "begins with", "value": "acme"}]}`, ""},
	{"ends with", `Customer.ScreenName endsWith "bot"`,
		`{"all": [{"attribute": "Customer.ScreenName", "operator": "ends with", "value": "bot"}]}`, ""},
	{"text in", `Channel.Handle in ["Acme Care", "Acme \"Billing\""]`,
		`{"all": [{"attribute": "Channel.Handle", "operator": "in", "value": ["Acme Care", "Acme \"Billing\""]}]}`, ""},
	{"text not in", `Weekday not in ["Saturday", "Sunday"]`,
		`{"all": [{"attribute": "Weekday", "operator": "not in", "value": ["Saturday", "Sunday"]}]}`, ""},
	{"not of in", `not (Weekday in ["Saturday"])`,
		`{"all": [{"attribute": "Weekday", "operator": "not in", "value": ["Saturday"]}]}`, `Weekday not in ["Saturday"]`},
	{"matches", `Message.Text matches "(?i)order #?[0-9]+"`,
		`{"all": [{"attribute": "Message.Text", "operator": "matches", "value": "(?i)order #?[0-9]+"}]}`, ""},
	{"text is empty", `Message.MediaType == ""`,
		`{"all": [{"attribute": "Message.MediaType", "operator": "is empty"}]}`, ""},
	{"text is not empty", `Customer.ContactID != ""`,
		`{"all": [{"attribute": "Customer.ContactID", "operator": "is not empty"}]}`, ""},
	{"len of text", `len(Message.QuickReply) > 0`,
		`{"all": [{"attribute": "Message.QuickReply", "operator": "is not empty"}]}`, `Message.QuickReply != ""`},
	{"escapes", "Message.Text == \"a\\\"b\\\\c\\n\\td\u00e9\"",
		`{"all": [{"attribute": "Message.Text", "operator": "equals", "value": "a\"b\\c\n\td\u00e9"}]}`, ""},
	{"single quotes and raw text", "Message.Text == 'it\\'s' || Message.Text == `a\\b`",
		`{"any": [{"attribute": "Message.Text", "operator": "equals", "value": "it's"}, {"attribute": "Message.Text", "operator": "equals", "value": "a\\b"}]}`,
		`Message.Text == "it's" || Message.Text == "a\\b"`},

	// Numbers.
	{"number equals", `Hour == 9`, `{"all": [{"attribute": "Hour", "operator": "equals", "value": 9}]}`, ""},
	{"number not equals", `Hour != 9`, `{"all": [{"attribute": "Hour", "operator": "not equals", "value": 9}]}`, ""},
	{"greater", `Customer.FollowersCount > 10000`,
		`{"all": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000}]}`, ""},
	{"greater or equal", `Conversation.RequeueCount >= 2`,
		`{"all": [{"attribute": "Conversation.RequeueCount", "operator": "greater or equal", "value": 2}]}`, ""},
	{"less", `Conversation.WaitMinutes < 2.5`,
		`{"all": [{"attribute": "Conversation.WaitMinutes", "operator": "less", "value": 2.5}]}`, ""},
	{"less or equal", `Message.Length <= -1`,
		`{"all": [{"attribute": "Message.Length", "operator": "less or equal", "value": -1}]}`, ""},
	{"number in", `Hour in [9, 12.5, -3]`, `{"all": [{"attribute": "Hour", "operator": "in", "value": [9, 12.5, -3]}]}`, ""},
	{"number not in", `Hour not in [0, 1]`, `{"all": [{"attribute": "Hour", "operator": "not in", "value": [0, 1]}]}`, ""},
	{"between", `between(Hour, 9, 17)`, `{"all": [{"attribute": "Hour", "operator": "between", "value": [9, 17]}]}`, ""},
	{"value first", `10000 < Customer.FollowersCount`,
		`{"all": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000}]}`, `Customer.FollowersCount > 10000`},
	{"other number spellings", `Hour >= 1e1 && Hour < 0x10 && Hour != 1_000`,
		`{"all": [{"attribute": "Hour", "operator": "greater or equal", "value": 10}, {"attribute": "Hour", "operator": "less", "value": 16}, {"attribute": "Hour", "operator": "not equals", "value": 1000}]}`,
		`Hour >= 10 && Hour < 16 && Hour != 1000`},
	{"not of a comparison", `!(Hour > 3) && not (Hour <= 1)`,
		`{"all": [{"attribute": "Hour", "operator": "less or equal", "value": 3}, {"attribute": "Hour", "operator": "greater", "value": 1}]}`, `Hour <= 3 && Hour > 1`},
	{"chained comparison", `9 <= Hour < 17`,
		`{"all": [{"attribute": "Hour", "operator": "greater or equal", "value": 9}, {"attribute": "Hour", "operator": "less", "value": 17}]}`, `Hour >= 9 && Hour < 17`},

	// Yes/no.
	{"is true", `Customer.Verified`, `{"all": [{"attribute": "Customer.Verified", "operator": "is true"}]}`, ""},
	{"is false", `!Customer.Protected`, `{"all": [{"attribute": "Customer.Protected", "operator": "is false"}]}`, ""},
	{"not keyword", `not Customer.Protected`, `{"all": [{"attribute": "Customer.Protected", "operator": "is false"}]}`, `!Customer.Protected`},
	{"yes/no equals", `Customer.Verified == true`, `{"all": [{"attribute": "Customer.Verified", "operator": "equals", "value": true}]}`, ""},
	{"yes/no not equals", `false != Message.HasURL`, `{"all": [{"attribute": "Message.HasURL", "operator": "not equals", "value": false}]}`, `Message.HasURL != false`},

	// Lists of text.
	{"list contains", `"vip" in Customer.Tags`, `{"all": [{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"}]}`, ""},
	{"list does not contain", `not ("spam" in Message.Hashtags)`,
		`{"all": [{"attribute": "Message.Hashtags", "operator": "does not contain", "value": "spam"}]}`, ""},
	{"list not in", `"spam" not in Message.Hashtags`,
		`{"all": [{"attribute": "Message.Hashtags", "operator": "does not contain", "value": "spam"}]}`, `not ("spam" in Message.Hashtags)`},
	{"list is empty", `len(Customer.Tags) == 0`, `{"all": [{"attribute": "Customer.Tags", "operator": "is empty"}]}`, ""},
	{"list is not empty", `len(Customer.Tags) > 0`, `{"all": [{"attribute": "Customer.Tags", "operator": "is not empty"}]}`, ""},
	{"list is not empty, other spellings", `len(Customer.Tags) != 0 && 0 < len(Message.Hashtags) && len(Customer.Tags) >= 1`,
		`{"all": [{"attribute": "Customer.Tags", "operator": "is not empty"}, {"attribute": "Message.Hashtags", "operator": "is not empty"}, {"attribute": "Customer.Tags", "operator": "is not empty"}]}`,
		`len(Customer.Tags) > 0 && len(Message.Hashtags) > 0 && len(Customer.Tags) > 0`},

	// Times.
	{"after", `Now > date("2026-11-24T14:05:00Z")`,
		`{"all": [{"attribute": "Now", "operator": "greater", "value": "2026-11-24T14:05:00Z"}]}`, ""},
	{"at or after", `Customer.AccountCreatedAt >= date("2015-03-01T10:00:00+01:00")`,
		`{"all": [{"attribute": "Customer.AccountCreatedAt", "operator": "greater or equal", "value": "2015-03-01T10:00:00+01:00"}]}`, ""},
	{"before", `Now < date("2026-11-24T14:05:00.5Z")`,
		`{"all": [{"attribute": "Now", "operator": "less", "value": "2026-11-24T14:05:00.5Z"}]}`, ""},
	{"at or before", `date("2026-01-01T00:00:00Z") >= Now`,
		`{"all": [{"attribute": "Now", "operator": "less or equal", "value": "2026-01-01T00:00:00Z"}]}`, `Now <= date("2026-01-01T00:00:00Z")`},

	// Groups.
	{"any with a nested all", `Customer.FollowersCount > 10000 || ("vip" in Customer.Tags && Customer.Verified)`,
		`{"any": [{"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000},
			{"all": [{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"}, {"attribute": "Customer.Verified", "operator": "is true"}]}]}`, ""},
	{"and and or keywords", `Hour > 9 and (Hour < 12 or Weekday == "Monday")`,
		`{"all": [{"attribute": "Hour", "operator": "greater", "value": 9},
			{"any": [{"attribute": "Hour", "operator": "less", "value": 12}, {"attribute": "Weekday", "operator": "equals", "value": "Monday"}]}]}`,
		`Hour > 9 && (Hour < 12 || Weekday == "Monday")`},
	{"&& binds tighter than ||", `Customer.Verified && Hour > 9 || Customer.Protected`,
		`{"any": [{"all": [{"attribute": "Customer.Verified", "operator": "is true"}, {"attribute": "Hour", "operator": "greater", "value": 9}]},
			{"attribute": "Customer.Protected", "operator": "is true"}]}`,
		`(Customer.Verified && Hour > 9) || Customer.Protected`},
	{"a nested group of the same kind", `(Hour > 3 && Hour < 5) && (Hour != 4 && Customer.Verified)`,
		`{"all": [{"all": [{"attribute": "Hour", "operator": "greater", "value": 3}, {"attribute": "Hour", "operator": "less", "value": 5}]},
			{"all": [{"attribute": "Hour", "operator": "not equals", "value": 4}, {"attribute": "Customer.Verified", "operator": "is true"}]}]}`, ""},
	{"three levels", `Hour > 1 || (Hour < 0 && (Weekday == "Monday" || not (Message.Text contains "x")))`,
		`{"any": [{"attribute": "Hour", "operator": "greater", "value": 1},
			{"all": [{"attribute": "Hour", "operator": "less", "value": 0},
				{"any": [{"attribute": "Weekday", "operator": "equals", "value": "Monday"}, {"attribute": "Message.Text", "operator": "does not contain", "value": "x"}]}]}]}`, ""},
	{"parentheses around conditions", `(Hour > 1) && ((Customer.Verified))`,
		`{"all": [{"attribute": "Hour", "operator": "greater", "value": 1}, {"attribute": "Customer.Verified", "operator": "is true"}]}`,
		`Hour > 1 && Customer.Verified`},
	{"parentheses around the whole rule", `((Hour > 1 || Customer.Verified))`,
		`{"all": [{"any": [{"attribute": "Hour", "operator": "greater", "value": 1}, {"attribute": "Customer.Verified", "operator": "is true"}]}]}`,
		`(Hour > 1 || Customer.Verified)`},
	{"several lines and comments", "Hour > 9 && // office hours\n  (between(Hour, 9, 17) /* or later */ || Customer.Verified)",
		`{"all": [{"attribute": "Hour", "operator": "greater", "value": 9},
			{"any": [{"attribute": "Hour", "operator": "between", "value": [9, 17]}, {"attribute": "Customer.Verified", "operator": "is true"}]}]}`,
		`Hour > 9 && (between(Hour, 9, 17) || Customer.Verified)`},
}

func mustGroup(t testing.TB, s string) Group {
	t.Helper()
	var g Group
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		t.Fatalf("bad group %s: %v", s, err)
	}
	return g
}

func TestParseGroup(t *testing.T) {
	for _, tt := range parseGroupCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGroup(tt.src)
			if err != nil {
				t.Fatalf("ParseGroup(%q): %v", tt.src, err)
			}
			if want := mustGroup(t, tt.group); !reflect.DeepEqual(got, want) {
				t.Errorf("ParseGroup(%q) =\n%s\nwant\n%s", tt.src, groupJSON(got), groupJSON(want))
			}
			text, err := got.Expression()
			if err != nil {
				t.Fatalf("Expression: %v", err)
			}
			want := tt.text
			if want == "" {
				want = tt.src
			}
			if text != want {
				t.Errorf("Expression() = %s\nwant          %s", text, want)
			}
		})
	}
}

func groupJSON(g Group) string {
	b, _ := json.Marshal(g)
	return string(b)
}

// parseGroupErrorCases are texts the form cannot show.
var parseGroupErrorCases = []struct {
	name, src    string
	line, column int
	message      string
	hint         string // substring of the hint
}{
	{"a function", `Hour > 3 && textHasAny(["refund", "chargeback"])`, 1, 13,
		"the form cannot show this part: textHasAny(...)", "keep editing it as text"},
	{"the first of two", `hasTag("vip") || textHasAny(["refund"])`, 1, 1,
		"the form cannot show this part: hasTag(...)", "keep editing it as text"},
	{"a builtin in a nested group", `Hour > 3 && (Weekday == "Monday" || lower(Message.Text) contains "x")`, 1, 37,
		`the form cannot show this part: lower(Message.Text) contains "x"`, "keep editing it as text"},
	{"two fields, on a later line", "Hour > 3 ||\n  Customer.FollowersCount > Customer.FriendsCount", 2, 3,
		"the form cannot show this part: Customer.FollowersCount > Customer.FriendsCount", "not with another field"},
	{"arithmetic", `Customer.FollowersCount + 1 > 3`, 1, 1,
		"the form cannot show this part: Customer.FollowersCount + 1 > 3", "keep editing it as text"},
	{"arithmetic in parentheses", `Hour > 1 && (Hour % 2) == 0`, 1, 13,
		"the form cannot show this part: (Hour % 2) == 0", "keep editing it as text"},
	{"not of a group", `not (Hour > 3 && Hour < 5)`, 1, 1,
		"the form cannot show this part: not (Hour > 3 && Hour < 5)", `no “not” for a group`},
	{"not of an operator without opposite", `Hour > 3 && !(Message.Text startsWith "a")`, 1, 13,
		`the form cannot show this part: !(Message.Text startsWith "a")`, "no opposite"},
	{"a time the form does not hold", `Now > date("2026-01-01")`, 1, 1,
		`the form cannot show this part: Now > date("2026-01-01")`, `date("2026-11-24T14:05:00Z")`},
	{"a number out of range", `Customer.FollowersCount > 1e16`, 1, 1,
		"the form cannot show this part: Customer.FollowersCount > 1e16", "1e+16 is out of range"},
	{"a constant", `true`, 1, 1, "the form cannot show this part: true", "keep editing it as text"},
	{"a predicate", `Customer.Verified && any(Customer.Tags, # startsWith "v")`, 1, 22,
		"the form cannot show this part: any(...)", "keep editing it as text"},
	{"a ternary", `Customer.Verified ? Hour > 3 : Hour > 5`, 1, 1,
		"the form cannot show this part: Customer.Verified ? Hour > 3 : Hour > 5", "keep editing it as text"},
	{"an empty list", `Hour in []`, 1, 1, "the form cannot show this part: Hour in []", "keep editing it as text"},
	{"an index", `Customer.Tags[0] == "vip"`, 1, 1, `the form cannot show this part: Customer.Tags[0] == "vip"`, "keep editing it as text"},
	{"a long part is cut", `Message.Text + Customer.Name + Customer.Description + Customer.Location == "x"`, 1, 1,
		"the form cannot show this part: Message.Text + Customer.Name + Customer.Description + Custom…", "keep editing it as text"},
}

func TestParseGroupErrors(t *testing.T) {
	for _, tt := range parseGroupErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGroup(tt.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseGroup(%q) = %s, %v; want an *Error", tt.src, groupJSON(g), err)
			}
			if e.Line != tt.line || e.Column != tt.column || e.Message != tt.message || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("error = %d:%d %q hint %q\nwant    %d:%d %q hint with %q", e.Line, e.Column, e.Message, e.Hint, tt.line, tt.column, tt.message, tt.hint)
			}
			if !strings.Contains(e.Snippet, "^") || e.Path != "" {
				t.Errorf("error %+v: want a snippet with a caret and no path", e)
			}
		})
	}
}

// TestParseGroupCompileErrors: a text that does not compile gives exactly
// Compile's error.
func TestParseGroupCompileErrors(t *testing.T) {
	for _, src := range []string{
		`Customer.FollowerCount > 10000`, `Hour >`, ``, `Customer.FollowersCount > "10"`,
		"Hour > 3 &&\n  Mesage.Text contains \"x\"", `Message.Text matches "(["`, `Customer.Language == en`,
	} {
		t.Run(src, func(t *testing.T) {
			_, want := Compile(src)
			if want == nil {
				t.Fatalf("%q compiles", src)
			}
			_, got := ParseGroup(src)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseGroup(%q) error = %v\nwant Compile's %v", src, got, want)
			}
		})
	}
}

// normalGroup is g as ParseGroup gives it back from g's text: canonical
// operator names and values, a nested group of one condition replaced by
// the condition, and a top group of one condition written as all.
func normalGroup(g Group) Group {
	all, anyOf := normalList(g.All), normalList(g.Any)
	if list := slices.Concat(all, anyOf); len(list) == 1 {
		return Group{All: list}
	}
	return Group{All: all, Any: anyOf}
}

func normalList(cs []Condition) []Condition {
	var out []Condition
	for _, c := range cs {
		out = append(out, normalCondition(c))
	}
	return out
}

func normalCondition(c Condition) Condition {
	if len(c.All) > 0 || len(c.Any) > 0 {
		all, anyOf := normalList(c.All), normalList(c.Any)
		if list := slices.Concat(all, anyOf); len(list) == 1 {
			return list[0]
		}
		return Condition{All: all, Any: anyOf}
	}
	f, _ := LookupField(c.Attribute)
	op, _ := lookupOperator(c.Operator)
	out := Condition{Attribute: c.Attribute, Operator: op.doc.Name}
	switch out.Operator {
	case "is empty", "is not empty", "is true", "is false":
	case "in", "not in", "between":
		var items []any
		for _, it := range c.Value.([]any) {
			items = append(items, normalValue(&f, it))
		}
		out.Value = items
	case "contains", "does not contain", "begins with", "ends with", "matches":
		out.Value = c.Value
	default:
		out.Value = normalValue(&f, c.Value)
		if f.Kind == KindText && out.Value == "" {
			out.Operator, out.Value = map[string]string{"equals": "is empty", "not equals": "is not empty"}[out.Operator], nil
		}
	}
	return out
}

// normalValue is v as a value of f's kind: what literal writes, read back.
func normalValue(f *Field, v any) any {
	lit, err := literal("", f, v)
	if err != nil {
		panic(err)
	}
	switch f.Kind {
	case KindNumber:
		x, _ := strconv.ParseFloat(lit, 64)
		return x
	case KindBool:
		return lit == "true"
	case KindText:
		if s, ok := v.(string); ok {
			return s
		}
		if n, ok := v.(json.Number); ok {
			return n.String()
		}
		return fmt.Sprint(v)
	}
	return v // a time, as written
}

// groupGen writes random structured conditions over every field and every
// operator that applies to it.
type groupGen struct{ r *rand.Rand }

var (
	genGroupTexts = []string{"ada", "", "Acme \"Care\"", `a\b`, "ünï\ncode\t", "(?i)x", "0"}
	genRegexps    = []string{"(?i)order #?[0-9]+", "^a$", `\d+`, ""}
	genNumberVals = []any{0, 1, -1, 17, 2.5, 10000, int64(-300), 1e15, "2", " 9 ", json.Number("3.25")}
	genTimes      = []string{"2026-11-24T14:05:00Z", "2015-03-01T10:00:00+01:00", "2026-11-24T09:00:00.5Z"}
)

func (g groupGen) scalar(f *Field) any {
	switch f.Kind {
	case KindText, KindTextList:
		if g.r.IntN(8) == 0 {
			return g.r.IntN(20) // a number is written as text
		}
		return genGroupTexts[g.r.IntN(len(genGroupTexts))]
	case KindNumber:
		return genNumberVals[g.r.IntN(len(genNumberVals))]
	case KindBool:
		return []any{true, false, "true", "false"}[g.r.IntN(4)]
	}
	return genTimes[g.r.IntN(len(genTimes))]
}

func (g groupGen) leaf() Condition {
	f := catalogue.fields[g.r.IntN(len(catalogue.fields))]
	ops := operatorsFor(f.Type)
	return g.leafFor(f, ops[g.r.IntN(len(ops))])
}

// leafFor writes a condition on f with the operator op and a value for it.
func (g groupGen) leafFor(f Field, op string) Condition {
	c := Condition{Attribute: f.Path, Operator: op}
	if o, _ := lookupOperator(op); g.r.IntN(4) == 0 && len(o.aliases) > 0 {
		c.Operator = strings.ToUpper(o.aliases[g.r.IntN(len(o.aliases))]) // an alias, in other case
	}
	switch op {
	case "is empty", "is not empty", "is true", "is false":
	case "in", "not in":
		items := make([]any, 1+g.r.IntN(3))
		for i := range items {
			items[i] = g.scalar(&f)
		}
		c.Value = items
	case "between":
		c.Value = []any{g.scalar(&f), g.scalar(&f)}
	case "matches":
		c.Value = genRegexps[g.r.IntN(len(genRegexps))]
	case "contains", "does not contain", "begins with", "ends with":
		c.Value = genGroupTexts[g.r.IntN(len(genGroupTexts))]
	default:
		c.Value = g.scalar(&f)
	}
	return c
}

func (g groupGen) conditions(depth int) []Condition {
	out := make([]Condition, 1+g.r.IntN(3))
	for i := range out {
		if depth > 0 && g.r.IntN(4) == 0 {
			inner := g.conditions(depth - 1)
			if g.r.IntN(2) == 0 {
				out[i] = Condition{All: inner}
			} else {
				out[i] = Condition{Any: inner}
			}
			continue
		}
		out[i] = g.leaf()
	}
	return out
}

func (g groupGen) group() Group {
	if g.r.IntN(2) == 0 {
		return Group{All: g.conditions(3)}
	}
	return Group{Any: g.conditions(3)}
}

// TestParseGroupRoundTrip: for every group that Expression accepts,
// ParseGroup of its text gives the group back (normalised), and the text of
// the result is the same text.
func TestParseGroupRoundTrip(t *testing.T) {
	var groups []Group
	// Every field with every operator that applies to it.
	for _, f := range catalogue.fields {
		for _, op := range operatorsFor(f.Type) {
			gen := groupGen{rand.New(rand.NewPCG(1, uint64(len(groups))))}
			for range 5 {
				groups = append(groups, Group{All: []Condition{gen.leafFor(f, op)}})
			}
		}
	}
	for _, tt := range parseGroupCases {
		groups = append(groups, mustGroup(t, tt.group))
	}
	gen := groupGen{rand.New(rand.NewPCG(3, 4))}
	for range 3000 {
		groups = append(groups, gen.group())
	}
	checked := 0
	for _, g := range groups {
		text, err := g.Expression()
		if err != nil {
			continue // for example a regular expression that is not valid
		}
		checked++
		got, err := ParseGroup(text)
		if err != nil {
			t.Fatalf("ParseGroup(%s) of %s: %v", text, groupJSON(g), err)
		}
		if want := normalGroup(g); !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseGroup(%s) =\n%s\nwant\n%s", text, groupJSON(got), groupJSON(want))
		}
		if again, err := got.Expression(); err != nil || again != text {
			t.Fatalf("Expression(ParseGroup(%s)) = %s, %v", text, again, err)
		}
	}
	if checked < 2000 {
		t.Fatalf("only %d groups converted: the generator is off", checked)
	}
}

// FuzzParseGroup requires that whenever ParseGroup succeeds, the text of
// the group it gives compiles and decides like the source on generated
// contexts; and that when it fails, it says where.
func FuzzParseGroup(f *testing.F) {
	for _, tt := range parseGroupCases {
		f.Add(tt.src, uint64(1))
	}
	for _, tt := range parseGroupErrorCases {
		f.Add(tt.src, uint64(2))
	}
	gen := groupGen{rand.New(rand.NewPCG(5, 6))}
	for range 20 {
		if text, err := gen.group().Expression(); err == nil {
			f.Add(text, uint64(3))
		}
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		g, err := ParseGroup(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 || e.Message == "" {
				t.Fatalf("ParseGroup(%q) error not positioned: %#v", src, err)
			}
			return
		}
		text, err := g.Expression()
		if err != nil {
			t.Fatalf("ParseGroup(%q) = %s, whose Expression fails: %v", src, groupJSON(g), err)
		}
		want, err := Compile(src)
		if err != nil {
			t.Fatalf("ParseGroup accepted %q, which does not compile: %v", src, err)
		}
		got, err := Compile(text)
		if err != nil {
			t.Fatalf("Expression() = %q of %q does not compile: %v", text, src, err)
		}
		if again, err := ParseGroup(text); err != nil || !reflect.DeepEqual(again, g) {
			t.Fatalf("ParseGroup(%q) = %s, %v; want %s as from %q", text, groupJSON(again), err, groupJSON(g), src)
		}
		rg := ruleGen{rand.New(rand.NewPCG(seed, 9))}
		var r Runner
		for range 8 {
			c := rg.context()
			w, werr := want.EvalVM(c, &r)
			o, oerr := got.EvalVM(c, &r)
			if w != o || (werr == nil) != (oerr == nil) {
				t.Fatalf("on %+v:\n%q = %v, %v\n%q = %v, %v", c, src, w, werr, text, o, oerr)
			}
		}
	})
}
