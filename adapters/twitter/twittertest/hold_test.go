package twittertest_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// waitHeld waits until n sends are held.
func waitHeld(t *testing.T, f *fixture, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.fake.HeldSends() != n {
		if time.Now().After(deadline) {
			t.Fatalf("held sends = %d, want %d", f.fake.HeldSends(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// storedFromHandle returns the ids of the DMs the handle sent with text.
func storedFromHandle(f *fixture, text string) []string {
	var ids []string
	for _, m := range f.fake.Messages() {
		if m.SenderID == f.handle.ID && m.Text == text {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

func TestHeldSendIsStoredAndAnsweredOnRelease(t *testing.T) {
	f := newFixture(t)
	f.fake.HoldSends()
	type result struct {
		sent []twitter.SentDM
		err  error
	}
	done := make(chan result, 1)
	go func() {
		sent, err := f.client.SendDM(context.Background(), f.handleToken, twitter.OutgoingDM{RecipientID: f.customer.ID, Text: "on its way"})
		done <- result{sent, err}
	}()
	waitHeld(t, f, 1)
	stored := storedFromHandle(f, "on its way")
	if len(stored) != 1 {
		t.Fatalf("while held, the fake stores %d copies of the DM, want 1", len(stored))
	}
	select {
	case r := <-done:
		t.Fatalf("the send was answered while held: %+v", r)
	default:
	}
	f.fake.ReleaseSends()
	r := <-done
	if r.err != nil || len(r.sent) != 1 || r.sent[0].ID != stored[0] {
		t.Fatalf("after release the send returned %+v, %v; want the stored DM %s", r.sent, r.err, stored[0])
	}
	if n := f.fake.HeldSends(); n != 0 {
		t.Errorf("held sends after release = %d", n)
	}
	if sent, err := f.client.SendDM(context.Background(), f.handleToken, twitter.OutgoingDM{RecipientID: f.customer.ID, Text: "next"}); err != nil || len(sent) != 1 {
		t.Errorf("a send after release: %+v, %v; want it answered at once", sent, err)
	}
}

func TestHeldSendWhoseCallerLeavesStaysStored(t *testing.T) {
	f := newFixture(t)
	f.fake.HoldSends()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.client.SendDM(ctx, f.handleToken, twitter.OutgoingDM{RecipientID: f.customer.ID, Text: "lost answer"})
		done <- err
	}()
	waitHeld(t, f, 1)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the send whose caller left returned no error")
	}
	waitHeld(t, f, 0)
	if stored := storedFromHandle(f, "lost answer"); len(stored) != 1 {
		t.Errorf("the fake stores %d copies of the DM whose answer was lost, want 1", len(stored))
	}
	f.fake.ReleaseSends()
}
