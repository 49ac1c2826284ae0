package twittertest_test

import (
	"strconv"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestDeliveryBodyIsTheServersDelivery renders a DM the server delivered
// with DeliveryBody: the bytes are the same as the server's POST.
func TestDeliveryBodyIsTheServersDelivery(t *testing.T) {
	f := newFixture(t)
	inj := f.inject(t, "Where is my #order?")
	if len(inj.Deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(inj.Deliveries))
	}
	id, err := strconv.ParseInt(inj.EventIDs[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := f.fake.User("janedoe")
	to, _ := f.fake.User("AcmeHelp")
	body, err := twittertest.DeliveryBody(to.ID, twittertest.TextDM{EventID: id, CreatedAt: f.fake.Messages()[0].CreatedAt,
		From: from, To: to, Text: "Where is my #order?"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(body), string(inj.Deliveries[0].Body); got != want {
		t.Errorf("DeliveryBody:\n%s\nthe server delivered:\n%s", got, want)
	}
}
