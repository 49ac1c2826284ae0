package dsl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

// Calendars answers for the business's calendars by name, as the engine
// keeps them: whether one is open at a time, and when it next opens.
// Known is false for a name no calendar has.
type Calendars interface {
	IsOpen(name string, at time.Time) (open, known bool)
	// NextOpening returns at when the calendar is open then; ok is false
	// when it is unknown or does not open within a year.
	NextOpening(name string, at time.Time) (next time.Time, ok bool)
}

// Time is the moment a rule is evaluated together with the business's
// calendars, for rules about operating hours:
//
//	Time.InBusinessHours("Support EU")
//	Time.MinutesUntilOpen("Support EU") > 60
//	Time.Local("Europe/Berlin").Hour >= 18
//
// Calendar names and time zones are written in quotes; the compiler checks
// a time zone, and the engine checks calendar names when a rule is saved.
// A name no calendar has reads as closed.
type Time struct {
	at        time.Time
	calendars Calendars
}

// LocalTime is the time of the evaluation as seen in a time zone.
type LocalTime struct {
	// Hour is the hour of the day, 0 to 23.
	Hour int
	// Minute is the minute of the hour, 0 to 59.
	Minute int
	// Weekday is the day of the week in English, "Monday" to "Sunday".
	Weekday string
	// Date is the date, YYYY-MM-DD.
	Date string
}

// InBusinessHours tells whether the named calendar is open now.
func (t Time) InBusinessHours(calendar string) bool {
	if t.calendars == nil {
		return false
	}
	open, _ := t.calendars.IsOpen(calendar, t.at)
	return open
}

// NextOpening is when the named calendar opens next: now while it is open,
// the zero time when it is unknown or opens in no day of the coming year.
func (t Time) NextOpening(calendar string) time.Time {
	if t.calendars == nil {
		return time.Time{}
	}
	next, ok := t.calendars.NextOpening(calendar, t.at)
	if !ok {
		return time.Time{}
	}
	return next
}

// NeverOpens is what MinutesUntilOpen answers for a calendar that opens in
// no day of the coming year (or that no calendar has): more minutes than a
// year holds, so a rule such as MinutesUntilOpen(...) > 60 holds for it.
const NeverOpens = 366*24*60 + 1

// MinutesUntilOpen is how many whole minutes until the named calendar opens,
// 0 while it is open, rounded up (opening in 30 seconds is 1 minute away).
func (t Time) MinutesUntilOpen(calendar string) int {
	next := t.NextOpening(calendar)
	if next.IsZero() {
		return NeverOpens
	}
	d := next.Sub(t.at)
	if d <= 0 {
		return 0
	}
	return int((d + time.Minute - 1) / time.Minute)
}

// Local is the time of the evaluation in the named IANA time zone; an
// unknown zone (refused when the rule compiles) reads as UTC.
func (t Time) Local(zone string) LocalTime {
	loc, err := loadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	l := t.at.In(loc)
	return LocalTime{Hour: l.Hour(), Minute: l.Minute(), Weekday: l.Weekday().String(), Date: l.Format(time.DateOnly)}
}

// loadZone loads an IANA time zone, refusing "Local", which would mean the
// server's own zone.
func loadZone(name string) (*time.Location, error) {
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("%q is the server's zone, not an IANA time zone", name)
	}
	return time.LoadLocation(name)
}

// SetCalendars gives the context the business's calendars, which
// Time.InBusinessHours and its kin read; without them every calendar reads
// as closed.
func (c *Context) SetCalendars(cals Calendars) { c.Time.calendars = cals }

// calendarMethods are the methods of Time that take a calendar's name.
var calendarMethods = []string{"InBusinessHours", "NextOpening", "MinutesUntilOpen"}

// TimeCall is one call of a Time method in a rule, with its argument as
// written: Time.InBusinessHours("Support EU").
type TimeCall struct {
	Method string
	// Argument is the calendar's name or the time zone.
	Argument string
	// Offset is where the argument starts in the source, in runes.
	Offset int
}

// Text is the call as an analyst writes it.
func (c TimeCall) Text() string {
	return fmt.Sprintf("Time.%s(%s)", c.Method, strconv.Quote(c.Argument))
}

// timeCalls returns the Time method calls of a checked rule, in source
// order, or an *Error for one whose argument is not a name in quotes or is
// a time zone that does not exist.
func timeCalls(source string, node ast.Node) ([]TimeCall, error) {
	var calls []TimeCall
	var bad *Error
	ast.Find(node, func(n ast.Node) bool {
		call, ok := n.(*ast.CallNode)
		if !ok || bad != nil {
			return false
		}
		m, ok := call.Callee.(*ast.MemberNode)
		if !ok {
			return false
		}
		if id, ok := m.Node.(*ast.IdentifierNode); !ok || id.Value != "Time" {
			return false
		}
		prop, ok := m.Property.(*ast.StringNode)
		if !ok || len(call.Arguments) != 1 {
			return false
		}
		what, example := "a calendar's name", `"Support EU"`
		if prop.Value == "Local" {
			what, example = "a time zone", `"Europe/Berlin"`
		}
		arg, ok := call.Arguments[0].(*ast.StringNode)
		if !ok {
			bad = newError(source, startOf(call.Arguments[0]),
				fmt.Sprintf("Time.%s takes %s in quotes", prop.Value, what),
				fmt.Sprintf("write it as Time.%s(%s)", prop.Value, example))
			return false
		}
		if prop.Value == "Local" {
			if _, err := loadZone(arg.Value); err != nil {
				bad = newError(source, arg.Location().From, fmt.Sprintf("%q is not a time zone", arg.Value),
					"write an IANA time zone, such as Europe/Berlin, America/New_York or UTC")
				return false
			}
		}
		calls = append(calls, TimeCall{Method: prop.Value, Argument: arg.Value, Offset: arg.Location().From})
		return false
	})
	if bad != nil {
		return nil, bad
	}
	slices.SortStableFunc(calls, func(a, b TimeCall) int { return a.Offset - b.Offset })
	return calls, nil
}

// startOf returns where a node's text starts: a member's location is its
// dot, so a field such as Channel.Handle starts at its first name.
func startOf(n ast.Node) int {
	for {
		switch v := n.(type) {
		case *ast.MemberNode:
			n = v.Node
		case *ast.ChainNode:
			n = v.Node
		default:
			return n.Location().From
		}
	}
}

// Calendars returns the names of the calendars the rule reads, in order and
// without repeats.
func (p *Program) Calendars() []string {
	var out []string
	for _, c := range p.timeCalls {
		if c.Method != "Local" && !slices.Contains(out, c.Argument) {
			out = append(out, c.Argument)
		}
	}
	return out
}

// CheckCalendars checks the calendar names the rule reads against known,
// the names of the business's calendars (case matters, as it does when the
// rule runs): a name no calendar has is an *Error pointing at it, with the
// name meant when it is a likely slip.
func (p *Program) CheckCalendars(known []string) error {
	for _, c := range p.timeCalls {
		if c.Method == "Local" || slices.Contains(known, c.Argument) {
			continue
		}
		hint := "create the calendar first, or use one of: " + quoteAll(known)
		if len(known) == 0 {
			hint = "create the calendar first (POST /api/v1/calendars)"
		}
		if s := nearest(strings.ToLower(c.Argument), known, strings.ToLower); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		return newError(p.source, c.Offset, fmt.Sprintf("no calendar is named %q", c.Argument), hint)
	}
	return nil
}

// timeValues adds, for the trace, the value of each Time call the rule makes.
func (p *Program) timeValues(c *Context, out map[string]any) {
	for _, call := range p.timeCalls {
		key := call.Text()
		switch call.Method {
		case "InBusinessHours":
			out[key] = c.Time.InBusinessHours(call.Argument)
		case "NextOpening":
			out[key] = c.Time.NextOpening(call.Argument)
		case "MinutesUntilOpen":
			out[key] = c.Time.MinutesUntilOpen(call.Argument)
		case "Local":
			out[key] = c.Time.Local(call.Argument)
		}
	}
}
