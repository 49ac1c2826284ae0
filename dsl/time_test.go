package dsl

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// officeHours is a calendar set for tests: "Support EU" is open 09:00–17:00
// Berlin time on weekdays.
type officeHours struct{}

func (officeHours) IsOpen(name string, at time.Time) (bool, bool) {
	if name != "Support EU" {
		return false, false
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	l := at.In(berlin)
	return l.Weekday() != time.Saturday && l.Weekday() != time.Sunday && l.Hour() >= 9 && l.Hour() < 17, true
}

func (c officeHours) NextOpening(name string, at time.Time) (time.Time, bool) {
	if open, known := c.IsOpen(name, at); !known {
		return time.Time{}, false
	} else if open {
		return at, true
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	l := at.In(berlin)
	for d := 0; d < 8; d++ {
		day := time.Date(l.Year(), l.Month(), l.Day()+d, 9, 0, 0, 0, berlin)
		if day.After(at) && day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
			return day, true
		}
	}
	return time.Time{}, false
}

func TestTimeFunctions(t *testing.T) {
	// Friday 2026-12-04: 18:30 in Berlin is 17:30 UTC; Monday 09:00 Berlin is 08:00 UTC.
	friday := time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC)
	tuesday := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		rule string
		at   time.Time
		want bool
	}{
		{`Time.InBusinessHours("Support EU")`, tuesday, true},
		{`Time.InBusinessHours("Support EU")`, friday, false},
		{`!Time.InBusinessHours("Support EU")`, friday, true},
		{`Time.InBusinessHours("Nobody has this")`, tuesday, false},
		{`Time.MinutesUntilOpen("Support EU") == 0`, tuesday, true},
		{`Time.MinutesUntilOpen("Support EU") == 62*60 + 30`, friday, true},
		{`Time.MinutesUntilOpen("Nobody has this") > 60`, friday, true},
		{`Time.NextOpening("Support EU") == Now`, tuesday, true},
		{`Time.NextOpening("Support EU") > Now + duration("48h")`, friday, true},
		{`Time.Local("Europe/Berlin").Hour == 18 && Time.Local("Europe/Berlin").Minute == 30`, friday, true},
		{`Time.Local("America/New_York").Weekday == "Friday" && Time.Local("Asia/Tokyo").Weekday == "Saturday"`, friday, true},
		{`Time.Local("Asia/Tokyo").Date == "2026-12-05"`, friday, true},
	}
	for _, tt := range tests {
		p, err := Compile(tt.rule)
		if err != nil {
			t.Fatalf("%s: %v", tt.rule, err)
		}
		c := &Context{}
		c.SetTime(tt.at, nil)
		c.SetCalendars(officeHours{})
		for _, vm := range []bool{false, true} {
			eval := p.Eval
			if vm {
				eval = p.EvalVM
			}
			if got, err := eval(c, nil); err != nil || got != tt.want {
				t.Errorf("%s at %s (vm %v) = %v, %v; want %v", tt.rule, tt.at, vm, got, err, tt.want)
			}
		}
	}
}

func TestTimeFunctionsWithoutCalendars(t *testing.T) {
	p, err := Compile(`Time.InBusinessHours("Support EU") || Time.MinutesUntilOpen("Support EU") < 60`)
	if err != nil {
		t.Fatal(err)
	}
	c := &Context{}
	c.SetTime(time.Now(), nil)
	if got, err := p.Eval(c, nil); err != nil || got {
		t.Errorf("without calendars = %v, %v; want false: no calendar is open", got, err)
	}
}

// TestTimeCallsAreChecked: a calendar's name or a zone must be written in
// quotes, a zone must exist, and CheckCalendars points at a name no calendar
// has.
func TestTimeCallsAreChecked(t *testing.T) {
	tests := []struct {
		rule       string
		line, col  int
		message    string
		hintSubstr string
	}{
		{`Time.InBusinessHours(Channel.Handle)`, 1, 22, "Time.InBusinessHours takes a calendar's name in quotes", `Time.InBusinessHours("Support EU")`},
		{`Time.Local("Europe/Berlinn").Hour > 17`, 1, 12, `"Europe/Berlinn" is not a time zone`, "IANA"},
		{`Time.InBusinesHours("Support EU")`, 1, 6, "Time has no field InBusinesHours", "did you mean InBusinessHours?"},
		{`Time.Open("Support EU")`, 1, 6, "Time has no field Open", `InBusinessHours("calendar")`},
		{"Hour > 9 &&\n  Time.Local(\"Local\").Hour > 17", 2, 14, `"Local" is not a time zone`, "IANA"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.rule)
		de := (*Error)(nil)
		if !errors.As(err, &de) || de.Line != tt.line || de.Column != tt.col || de.Message != tt.message || !strings.Contains(de.Hint, tt.hintSubstr) {
			t.Errorf("%s: %+v; want line %d column %d %q with a hint about %q", tt.rule, err, tt.line, tt.col, tt.message, tt.hintSubstr)
		}
	}

	var de *Error
	p, err := Compile("Conversation.IsNew &&\n  (Time.InBusinessHours(\"Support EU\") || Time.MinutesUntilOpen(\"support US\") < 30)")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Calendars(); len(got) != 2 || got[0] != "Support EU" || got[1] != "support US" {
		t.Errorf("Calendars() = %q", got)
	}
	if err := p.CheckCalendars([]string{"Support EU", "Support US"}); !errors.As(err, &de) || de.Line != 2 || de.Column != 64 ||
		de.Message != `no calendar is named "support US"` || de.Hint != `did you mean "Support US"?` {
		t.Errorf("CheckCalendars with a slip: %+v", err)
	}
	if err := p.CheckCalendars(nil); !errors.As(err, &de) || !strings.Contains(de.Hint, "create the calendar") {
		t.Errorf("CheckCalendars with none: %+v", err)
	}
	if err := p.CheckCalendars([]string{"Support EU", "support US"}); err != nil {
		t.Errorf("CheckCalendars with both: %v", err)
	}
}

// TestTimeValuesInTrace: the trace of a rule shows what each calendar call
// answered.
func TestTimeValuesInTrace(t *testing.T) {
	p, err := Compile(`!Time.InBusinessHours("Support EU") && Time.Local("Europe/Berlin").Hour >= 18`)
	if err != nil {
		t.Fatal(err)
	}
	c := &Context{}
	c.SetTime(time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC), nil)
	c.SetCalendars(officeHours{})
	v := p.Values(c)
	if v[`Time.InBusinessHours("Support EU")`] != false {
		t.Errorf("values %v: want the calendar call's answer, false", v)
	}
	if l, ok := v[`Time.Local("Europe/Berlin")`].(LocalTime); !ok || l.Hour != 18 || l.Weekday != "Friday" {
		t.Errorf("values %v: want the local time in Berlin", v)
	}
}

// TestDecodedContextKeepsNowForTime: an example context's Now is the time
// Time's methods read.
func TestDecodedContextKeepsNowForTime(t *testing.T) {
	c, err := DecodeContext([]byte(`{"Now": "2026-12-08T10:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Time.Local("UTC").Hour; got != 10 {
		t.Errorf("Time.Local(\"UTC\").Hour = %d, want 10 from Now", got)
	}
	if _, err := DecodeContext([]byte(`{"Time": {}}`)); err == nil {
		t.Error("a context with a Time key decoded; want it refused, Time is not a field one sets")
	}
}
