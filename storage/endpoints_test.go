package storage_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// endpointFixture stores a queue, a work stream and a source.
func endpointFixture(t *testing.T, db *storage.DB) (engine.WorkStream, engine.Source) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	q := engine.Queue{ID: engine.QueueID(engine.NewID(now)), Name: "Default", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	w := engine.DefaultWorkStream("twitter")
	w.ID, w.Name, w.DefaultQueueID, w.CreatedAt, w.UpdatedAt = engine.WorkStreamID(engine.NewID(now)), "Care", q.ID, now, now
	if err := db.CreateWorkStream(ctx, w); err != nil {
		t.Fatal(err)
	}
	a := engine.Source{ID: engine.SourceID(engine.NewID(now)), Channel: "twitter", Name: "Acme", ClientKey: "ck", ClientSecret: "consumer-secret",
		Settings: map[string]string{"dialect": "v2"}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateSource(ctx, a); err != nil {
		t.Fatal(err)
	}
	return w, a
}

func newEndpoint(a engine.Source, w engine.WorkStream, name, externalID string) engine.Endpoint {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return engine.Endpoint{ID: engine.EndpointID(engine.NewID(now)), SourceID: a.ID, Channel: a.Channel, Name: name, WorkStreamID: w.ID,
		ExternalID: externalID, Address: "acme", Token: "token-" + engine.Secret(externalID), TokenSecret: "token-secret-" + engine.Secret(externalID),
		Status: engine.EndpointActive, CreatedAt: now, UpdatedAt: now}
}

func TestEndpointStore(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w, a := endpointFixture(t, db)
		got, err := db.Source(ctx, a.ID)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("Source = %v, %v; want %v with its secret opened", got, err, a)
		}
		a.ClientSecret, a.Name, a.Settings = "rotated", "Acme Inc", map[string]string{"dialect": "premium", "environment_name": "prod"}
		if err := db.UpdateSource(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Source(ctx, a.ID); !reflect.DeepEqual(got, a) {
			t.Errorf("after update: %v, want %v", got, a)
		}
		dup := a
		dup.ID = engine.SourceID(engine.NewID(time.Now()))
		dup.Name = "ACME INC"
		if err := db.CreateSource(ctx, dup); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a source with a taken name: %v, want ErrConflict", err)
		}
		// Names are unique per channel: a web chat may share it.
		chat := dup
		chat.Channel, chat.ClientKey, chat.ClientSecret, chat.Settings = "webchat", "", "", map[string]string{}
		if err := db.CreateSource(ctx, chat); err != nil {
			t.Errorf("another channel's source with the same name: %v", err)
		}
		if l, err := db.ListSources(ctx, "twitter", engine.Page{Limit: 10}); err != nil || len(l.Items) != 1 || l.Items[0].ID != a.ID {
			t.Errorf("ListSources(twitter) = %+v, %v; want the one Twitter source", l, err)
		}

		h := newEndpoint(a, w, "Support", "6253282")
		if err := db.CreateEndpoint(ctx, h); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Endpoint(ctx, h.ID); err != nil || got != h {
			t.Fatalf("Endpoint = %v, %v; want %v", got, err, h)
		}
		if got, err := db.EndpointByExternalID(ctx, a.ID, "6253282"); err != nil || got.ID != h.ID || got.Token != h.Token {
			t.Errorf("EndpointByExternalID = %v, %v", got, err)
		}
		if _, err := db.EndpointByExternalID(ctx, a.ID, "1"); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("EndpointByExternalID(1) = %v, want ErrNotFound", err)
		}
		// The database itself refuses a second endpoint for one external id, or a taken name.
		if err := db.CreateEndpoint(ctx, newEndpoint(a, w, "Other", "6253282")); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a second endpoint for the same external id: %v, want ErrConflict", err)
		}
		if err := db.CreateEndpoint(ctx, newEndpoint(a, w, "SUPPORT", "7")); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a second endpoint with the same name: %v, want ErrConflict", err)
		}
		// Pending endpoints have no external id yet; several may wait at once.
		for _, name := range []string{"Pending 1", "Pending 2"} {
			p := newEndpoint(a, w, name, "")
			p.Token, p.TokenSecret, p.Status = "", "", engine.EndpointPending
			if err := db.CreateEndpoint(ctx, p); err != nil {
				t.Fatalf("pending endpoint %s: %v", name, err)
			}
			if got, err := db.Endpoint(ctx, p.ID); err != nil || got != p {
				t.Errorf("pending endpoint = %v, %v; want %v", got, err, p)
			}
		}
		l, err := db.ListEndpoints(ctx, a.ID, engine.Page{Limit: 2})
		if err != nil || len(l.Items) != 2 || l.Items[0].ID != h.ID || l.Next == "" {
			t.Errorf("ListEndpoints = %+v, %v", l, err)
		}

		h.Token, h.Status, h.StatusReason = "new-token", engine.EndpointDisconnected, "revoked"
		if err := db.UpdateEndpoint(ctx, h); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Endpoint(ctx, h.ID); got != h {
			t.Errorf("after update: %v, want %v", got, h)
		}
		if err := db.DeleteSource(ctx, a.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("delete a source with endpoints: %v, want ErrConflict", err)
		}
		if err := db.DeleteWorkStream(ctx, w.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("delete a work stream with endpoints: %v, want ErrConflict", err)
		}
		if err := db.DeleteEndpoint(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Endpoint(ctx, h.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("deleted endpoint: %v", err)
		}
		if err := db.DeleteEndpoint(ctx, h.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("delete a deleted endpoint: %v", err)
		}
	})
}

func TestSecretsNeedTheKey(t *testing.T) {
	ctx := context.Background()
	url := storagetest.SQLiteURL(t)
	db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: storagetest.SecretKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	w, a := endpointFixture(t, db)
	h := newEndpoint(a, w, "Support", "1")
	if err := db.CreateEndpoint(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	other, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: storagetest.SecretKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got, err := other.Source(ctx, a.ID); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SECRET_KEY") || strings.Contains(err.Error(), "consumer-secret") {
		t.Errorf("reading with another key = %v, %v; want an error that names the key and not the secret", got, err)
	}
	if _, err := other.EndpointByExternalID(ctx, a.ID, "1"); err == nil {
		t.Error("an endpoint's tokens opened with another key")
	}
	if _, err := other.ListSources(ctx, "twitter", engine.Page{Limit: 10}); err == nil {
		t.Error("listing opened secrets with another key")
	}

	noKey, err := storage.Open(ctx, storage.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer noKey.Close()
	a2 := a
	a2.ID, a2.Name = engine.SourceID(engine.NewID(time.Now())), "Beta"
	if err := noKey.CreateSource(ctx, a2); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SECRET_KEY") {
		t.Errorf("storing a secret without a key = %v; want an error naming SWITCHBOARD_SECRET_KEY", err)
	}
}

// TestMigrateDownKeepsOtherChannels: going back to the schema before
// channels (migration 16) is refused while a web-chat source or work
// stream exists, and nothing is lost; once they are gone it goes back, and
// up again, with the Twitter records intact.
func TestMigrateDownKeepsOtherChannels(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		tw, app := endpointFixture(t, db)
		now := time.Now().UTC().Truncate(time.Millisecond)
		chatWS := engine.DefaultWorkStream("webchat")
		chatWS.ID, chatWS.Name, chatWS.DefaultQueueID, chatWS.CreatedAt, chatWS.UpdatedAt = engine.WorkStreamID(engine.NewID(now)), "Chat", tw.DefaultQueueID, now, now
		if err := db.CreateWorkStream(ctx, chatWS); err != nil {
			t.Fatal(err)
		}
		site := engine.Source{ID: engine.SourceID(engine.NewID(now)), Channel: "webchat", Name: "Site", Settings: map[string]string{}, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateSource(ctx, site); err != nil {
			t.Fatal(err)
		}

		_, err := db.MigrateDown(ctx, 16)
		if err == nil || !strings.Contains(err.Error(), "not Twitter's") {
			t.Fatalf("MigrateDown(16) with a web-chat source = %v; want a refusal that says why", err)
		}
		if got, err := db.Source(ctx, site.ID); err != nil || got.Channel != "webchat" {
			t.Fatalf("after the refusal the web-chat source reads %+v, %v", got, err)
		}
		if got, err := db.Source(ctx, app.ID); err != nil || !reflect.DeepEqual(got, app) {
			t.Fatalf("after the refusal the application reads %+v, %v; want %+v", got, err, app)
		}

		if err := db.DeleteSource(ctx, site.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteWorkStream(ctx, chatWS.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateDown(ctx, 16); err != nil {
			t.Fatalf("MigrateDown(16) with Twitter's records only: %v", err)
		}
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		app.Settings["environment_name"] = "" // the old schema's column holds an empty one
		if got, err := db.Source(ctx, app.ID); err != nil || !reflect.DeepEqual(got, app) {
			t.Errorf("down and up again, the application reads %+v, %v; want %+v", got, err, app)
		}
	})
}
