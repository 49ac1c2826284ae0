package main

import (
	"bytes"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestLargeDeliveryIsNotRefused: a genuine signed delivery larger than the
// API's body limit (SWITCHBOARD_MAX_BODY_BYTES, 1 MiB by default) but
// within the webhook's own is stored, every DM of it, on both databases;
// the API's routes keep their limit.
func TestLargeDeliveryIsNotRefused(t *testing.T) {
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		const admin = "large-delivery-admin-token-0123456789"
		// This test is about size, not speed: under the race detector on a
		// busy machine, storing 200 DMs can take longer than Twitter's 3 s.
		fake := newFakeChannel(t, "large", twittertest.WithWebhookTimeout(time.Minute))
		customer := fake.AddUser(twittertest.User{ScreenName: "chatty", Name: "Chatty"})
		svc := startService(t, append(fake.serviceEnv(t, dbEnv...), "SWITCHBOARD_ADMIN_TOKEN="+admin, "SWITCHBOARD_SCHEDULER=off"))
		api := &apiClient{base: "http://" + svc.addr + "/api/v1"}
		var general, ws idBody
		api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
		api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID}, 201, &ws)
		fake.connectHandle(t, api.base, admin, ws.ID)

		// 200 DMs of 8,000 characters in one delivery, as Twitter batches
		// events: some 1.7 MB.
		fake.SetDeliveryFaults(twittertest.DeliveryFaults{Batch: true})
		const n = 200
		dms := make([]twittertest.InboundDM, n)
		for i := range dms {
			dms[i] = twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: strings.Repeat("long story ", 730)[:8000]}
		}
		inj, err := fake.InjectDMs(t.Context(), dms...)
		if err != nil || len(inj.Deliveries) != 1 || len(inj.Deliveries[0].Body) < 3<<19 {
			t.Fatalf("inject: %d deliveries (%v); want one of more than 1.5 MiB", len(inj.Deliveries), err)
		}
		for _, d := range inj.Deliveries {
			if !d.OK() {
				t.Fatalf("the delivery of %d bytes was refused: %d %s %s", len(d.Body), d.Status, d.Response, d.Err)
			}
		}
		var convs struct {
			Items []struct {
				MessageCount int `json:"message_count"`
			} `json:"items"`
		}
		api.call(t, "GET", "/conversations?customer=chatty", admin, nil, 200, &convs)
		if len(convs.Items) != 1 || convs.Items[0].MessageCount != n {
			t.Fatalf("the customer's conversations: %+v; want one with %d messages", convs.Items, n)
		}
		// Stored in a few transactions, not one per DM (group commit: at
		// most 64 DMs in one, so four for the delivery). A backfill of the
		// new handle may list the same DMs meanwhile and share groups with
		// them (as duplicates): what counts is that the groups are full.
		_, metrics := get(t, "http://"+svc.addr+"/metrics", "")
		sum, count := metricValue(metrics, "switchboard_ingest_group_messages_sum"), metricValue(metrics, "switchboard_ingest_group_messages_count")
		if sum < n || count > math.Ceil(sum/64)+1 {
			t.Errorf("%v DMs (the delivery's %d and any backfilled) went in %v ingest transactions; want about one per 64", sum, n, count)
		}

		// The API's own limit holds.
		big := bytes.Repeat([]byte("x"), 2<<20)
		req, _ := http.NewRequest("POST", api.base+"/queues", bytes.NewReader(big))
		req.Header.Set("Authorization", "Bearer "+admin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a 2 MiB API request = %d, want 413", res.StatusCode)
		}
	})
}
