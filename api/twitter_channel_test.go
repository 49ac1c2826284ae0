package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestRetryFailedMessage retries a failed outbound message through the API:
// it is queued again; retrying what is not failed is a conflict; an agent
// retries only in its own conversations.
func TestRetryFailedMessage(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app, handle, hd0 := h.signedOnHandle()
		res, err := h.acc.Receive(ctx, hd0, engine.ChannelMessage{ExternalID: "1001", SentAt: time.Now(), SenderExternalID: "42", RecipientExternalID: "6253282",
			Customer: engine.CustomerProfile{ExternalID: "42", ScreenName: "jane"}, Text: "hi"})
		if err != nil || res.Action != engine.ReceivedIngested {
			t.Fatal(res, err)
		}
		conv, err := h.db.Conversation(ctx, res.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		var msg engine.Message
		err = h.db.InTx(ctx, func(tx engine.Tx) error {
			if msg, err = h.svc.EnqueueReply(ctx, tx, conv, "", "hello Jane", time.Now()); err != nil {
				return err
			}
			return tx.UpdateDelivery(ctx, engine.DeliveryUpdate{ID: msg.ID, Status: engine.DeliveryFailed, Attempts: 1,
				LastError: "send direct message: 403 code 349: You cannot send messages to this user."})
		})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/conversations/" + string(conv.ID) + "/messages/" + string(msg.ID) + "/retry"
		r := h.call("POST", path, h.admin, nil)
		var out messageResponse
		if r.Code != http.StatusOK {
			t.Fatalf("retry = %d %s", r.Code, r.Body)
		}
		r.decode(t, &out)
		if out.Delivery == nil || *out.Delivery != "queued" || out.Attempts != 0 || out.LastError != "" {
			t.Errorf("retried message = %+v", out)
		}
		if r := h.call("POST", path, h.admin, nil); r.Code != http.StatusConflict {
			t.Errorf("retry of a queued message = %d", r.Code)
		}
		if r := h.call("POST", "/api/v1/conversations/"+string(conv.ID)+"/messages/"+engine.NewID(time.Now())+"/retry", h.admin, nil); r.Code != http.StatusNotFound {
			t.Errorf("retry of an unknown message = %d", r.Code)
		}
		agent := h.key(engine.RoleAgent, engine.AgentID(engine.NewID(time.Now())))
		if r := h.call("POST", path, agent, nil); r.Code != http.StatusNotFound {
			t.Errorf("retry by an agent of another conversation = %d", r.Code)
		}
		// Without Twitter configured, the channel's calls say so.
		if r := h.call("POST", "/api/v1/twitter/applications/"+app.ID+"/verify", h.admin, nil); r.Code != http.StatusServiceUnavailable {
			t.Errorf("verify without Twitter = %d %s", r.Code, r.Body)
		}
		if r := h.call("POST", "/api/v1/twitter/handles/"+handle+"/sign-on", h.admin, nil); r.Code != http.StatusServiceUnavailable {
			t.Errorf("sign-on again without Twitter = %d %s", r.Code, r.Body)
		}
		if r := h.call("POST", "/api/v1/twitter/handles/"+handle+"/backfill", h.admin, nil); r.Code != http.StatusServiceUnavailable {
			t.Errorf("backfill without Twitter = %d %s", r.Code, r.Body)
		}
		var hd twitterHandleResponse
		h.call("GET", "/api/v1/twitter/handles/"+handle, h.admin, nil).decode(t, &hd)
		if hd.Health == nil || hd.Health.Subscription != engine.SubscriptionUnknown || hd.Health.LastEventAt == nil {
			t.Errorf("handle health = %+v", hd.Health)
		}
	})
}
