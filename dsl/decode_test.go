package dsl

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeContext(t *testing.T) {
	c, err := DecodeContext([]byte(`{
		"Customer": {"ScreenName": "ada", "FollowersCount": 12000, "Verified": true, "Tags": ["vip"],
		             "AccountCreatedAt": "2015-03-01T10:00:00Z"},
		"Message": {"Text": "refund please"},
		"Hour": 9, "Weekday": "Monday"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Customer.ScreenName != "ada" || c.Customer.FollowersCount != 12000 || !c.Customer.Verified ||
		len(c.Customer.Tags) != 1 || c.Message.Text != "refund please" || c.Hour != 9 || c.Weekday != "Monday" ||
		!c.Customer.AccountCreatedAt.Equal(time.Date(2015, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("decoded %+v", c)
	}
	if c.Conversation.RequeueCount != 0 || c.Channel.Handle != "" {
		t.Errorf("missing fields are not zero: %+v", c)
	}
}

func TestDecodeContextErrors(t *testing.T) {
	tests := []struct {
		name, json, path, message, hint string
	}{
		{"unknown field", `{"Customer": {"FollowerCount": 3}}`, "Customer.FollowerCount",
			"unknown field Customer.FollowerCount", "did you mean Customer.FollowersCount?"},
		{"field under the wrong parent", `{"Customer": {"Text": "hi"}}`, "Customer.Text",
			"unknown field Customer.Text", "did you mean Message.Text?"},
		{"lower-case key", `{"customer": {}}`, "customer",
			"unknown field customer", "did you mean Customer?"},
		{"number as text", `{"Customer": {"FollowersCount": "10"}}`, "Customer.FollowersCount",
			`Customer.FollowersCount must be a number, but it is text "10"`, "write numbers without quotes"},
		{"fraction", `{"Hour": 9.5}`, "Hour", "Hour must be a whole number, but it is 9.5", "as in 14"},
		{"text as number", `{"Message": {"Text": 3}}`, "Message.Text",
			"Message.Text must be text, but it is the number 3", "write text in quotes"},
		{"yes/no as text", `{"Customer": {"Verified": "yes"}}`, "Customer.Verified",
			`Customer.Verified must be a yes/no value, but it is text "yes"`, "true or false"},
		{"list item", `{"Customer": {"Tags": ["vip", 3]}}`, "Customer.Tags[1]",
			"Customer.Tags[1] must be text, but it is the number 3", "in quotes"},
		{"bad time", `{"Now": "yesterday"}`, "Now", `Now must be a time, but "yesterday" is not one`, "2026-11-24T14:05:00Z"},
		{"group not an object", `{"Message": "hi"}`, "Message", `Message must be an object of fields, but it is text "hi"`, "Text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeContext([]byte(tt.json))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *dsl.Error", err)
			}
			if e.Path != tt.path || e.Message != tt.message {
				t.Errorf("error = %q %q, want %q %q", e.Path, e.Message, tt.path, tt.message)
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint = %q, want it to contain %q", e.Hint, tt.hint)
			}
		})
	}
	for _, bad := range []string{`[1]`, `{"Hour": 1} {}`, `{`} {
		if _, err := DecodeContext([]byte(bad)); err == nil {
			t.Errorf("DecodeContext(%s) succeeded", bad)
		}
	}
}

func TestSetTimeUsesTheWorkStreamsZone(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	var c Context
	c.SetTime(time.Date(2026, 11, 24, 20, 30, 0, 0, time.UTC), tokyo) // Wednesday 05:30 in Tokyo
	if c.Hour != 5 || c.Weekday != "Wednesday" || !c.Now.Equal(time.Date(2026, 11, 24, 20, 30, 0, 0, time.UTC)) {
		t.Errorf("SetTime = %v %d %s", c.Now, c.Hour, c.Weekday)
	}
	c.SetTime(time.Date(2026, 11, 24, 20, 30, 0, 0, time.UTC), nil)
	if c.Hour != 20 || c.Weekday != "Tuesday" {
		t.Errorf("SetTime in UTC = %d %s", c.Hour, c.Weekday)
	}
}

// FuzzDecodeContext requires DecodeContext never to panic and to fail only
// with an *Error.
func FuzzDecodeContext(f *testing.F) {
	for _, s := range []string{
		`{"Customer": {"FollowersCount": 12000, "Tags": ["vip"]}, "Hour": 9}`,
		`{"Customer": {"FollowerCount": 1}}`, `{"Now": "2026-11-24T14:05:00Z"}`, `{"Hour": 1e40}`,
		`null`, `[]`, `{"Message": null, "Channel": {"Kind": null}}`, `{"Customer": {"Tags": [1]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeContext(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("DecodeContext error %T: %v", err, err)
			}
			return
		}
		if c == nil {
			t.Fatal("no context and no error")
		}
	})
}
