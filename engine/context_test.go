package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/engine"
)

// TestRequeueSeesWhatIngestSaw stores random conversations (known and new
// customers; hashtags, links and media given by the channel or only in the
// text), requeues them, and compares what the rules saw at the requeue with
// what they saw when the message arrived: only the waiting time, the
// requeue count, the queue the conversation is in (and its place there) and
// the time may differ.
func TestRequeueSeesWhatIngestSaw(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(10 * time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		var mu sync.Mutex
		seen := map[engine.ConversationID][]dsl.Context{}
		svc := engine.NewService(w.db, engine.ServiceOptions{Clock: w.clock, OnRouted: func(_ context.Context, ec *dsl.Context, d engine.RoutingDecision) {
			mu.Lock()
			defer mu.Unlock()
			seen[d.ConversationID] = append(seen[d.ConversationID], *ec)
		}})
		r := rand.New(rand.NewPCG(7, 13))
		pick := func(options ...[]string) []string { return options[r.IntN(len(options))] }
		const conversations = 40
		for i := range conversations {
			in := w.dm(fmt.Sprintf("ev-%d", i), fmt.Sprintf("customer%d", i), "")
			in.Text = pick([]string{"where is my order"}, []string{"#outage since 9am"}, []string{"see https://acme.example/o/1 #late"}, []string{"¿dónde está?"})[0]
			in.Hashtags = pick(nil, []string{}, []string{"Outage"}, []string{"late", "vip"})
			in.URLs = pick(nil, []string{"https://acme.example/o/9"})
			in.Media = [][]engine.Media{nil, {{Type: "photo", URL: "https://ton.example/p.jpg"}}, {{Type: "video", URL: "https://ton.example/v.mp4"}, {Type: "photo", URL: "https://ton.example/q.jpg"}}}[r.IntN(3)]
			in.Language = pick([]string{""}, []string{"es"})[0]
			in.QuickReply = pick([]string{""}, []string{"billing"})[0]
			if r.IntN(2) == 0 { // a customer the business knows already
				now := w.clock.Now()
				known := in.Customer
				known.Channel = testChannel
				contact := engine.Contact{ID: engine.ContactID(engine.NewID(now)), Profile: known, Tags: pick([]string{}, []string{"vip"}), CreatedAt: now, UpdatedAt: now}
				if err := w.db.CreateContact(ctx, contact); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Ingest(ctx, in); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(time.Duration(r.IntN(90)) * time.Second)
		}
		w.clock.Advance(11 * time.Minute)
		if _, err := svc.RequeueWaiting(ctx, w.clock.Now(), 100); err != nil {
			t.Fatal(err)
		}
		if len(seen) != conversations {
			t.Fatalf("routed %d conversations, want %d", len(seen), conversations)
		}
		for id, contexts := range seen {
			if len(contexts) != 2 {
				t.Errorf("conversation %s was routed %d times, want at ingest and at the requeue", id, len(contexts))
				continue
			}
			atIngest, atRequeue := contexts[0], contexts[1]
			if atRequeue.Conversation.RequeueCount != atIngest.Conversation.RequeueCount+1 || atRequeue.Conversation.WaitMinutes < 11 {
				t.Errorf("conversation %s: requeue count %d → %d, waiting %d minutes at the requeue", id,
					atIngest.Conversation.RequeueCount, atRequeue.Conversation.RequeueCount, atRequeue.Conversation.WaitMinutes)
			}
			for _, c := range []*dsl.Context{&atIngest, &atRequeue} {
				c.Conversation.WaitMinutes, c.Conversation.RequeueCount, c.Conversation.Queue, c.Conversation.QueuePosition = 0, 0, "", 0
				c.Now, c.Hour, c.Weekday, c.Time = time.Time{}, 0, "", dsl.Time{}
			}
			if !reflect.DeepEqual(atIngest, atRequeue) {
				t.Errorf("conversation %s: the requeue saw\n%+v\nwhere ingest saw\n%+v", id, atRequeue, atIngest)
			}
		}
	})
}
