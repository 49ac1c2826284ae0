package dsl

import "testing"

func TestFieldDomain(t *testing.T) {
	tests := []struct {
		path     string
		ok, text bool
	}{
		{"Hour", true, false},
		{"Weekday", true, true},
		{"Conversation.Status", true, true},
		{"Customer.Name", false, false},
	}
	for _, tt := range tests {
		d, ok := FieldDomain(tt.path)
		if ok != tt.ok || d.IsText() != tt.text {
			t.Errorf("FieldDomain(%q) = %+v, %v; want ok %v, text %v", tt.path, d, ok, tt.ok, tt.text)
		}
	}
	// The caller gets a copy, not the table.
	d, _ := FieldDomain("Conversation.Status")
	d.Values[0] = "changed"
	if again, _ := FieldDomain("Conversation.Status"); again.Values[0] != "open" {
		t.Errorf("FieldDomain returns the table itself: %v", again.Values)
	}
}
