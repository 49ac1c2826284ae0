package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// twitterFixture stores a queue, a work stream and an application.
func twitterFixture(t *testing.T, db *storage.DB) (engine.WorkStream, engine.TwitterApplication) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	q := engine.Queue{ID: engine.QueueID(engine.NewID(now)), Name: "Default", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	w := engine.DefaultWorkStream()
	w.ID, w.Name, w.DefaultQueueID, w.CreatedAt, w.UpdatedAt = engine.WorkStreamID(engine.NewID(now)), "Care", q.ID, now, now
	if err := db.CreateWorkStream(ctx, w); err != nil {
		t.Fatal(err)
	}
	a := engine.TwitterApplication{ID: engine.SourceID(engine.NewID(now)), Name: "Acme", ConsumerKey: "ck", ConsumerSecret: "consumer-secret",
		Dialect: engine.DialectV2, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateTwitterApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	return w, a
}

func newHandle(a engine.TwitterApplication, w engine.WorkStream, name, userID string) engine.TwitterHandle {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return engine.TwitterHandle{ID: engine.EndpointID(engine.NewID(now)), ApplicationID: a.ID, Name: name, WorkStreamID: w.ID,
		UserID: userID, ScreenName: "acme", AccessToken: "token-" + engine.Secret(userID), AccessTokenSecret: "token-secret-" + engine.Secret(userID),
		Status: engine.HandleActive, CreatedAt: now, UpdatedAt: now}
}

func TestTwitterStore(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w, a := twitterFixture(t, db)
		got, err := db.TwitterApplication(ctx, a.ID)
		if err != nil || got != a {
			t.Fatalf("TwitterApplication = %v, %v; want %v with its secret opened", got, err, a)
		}
		a.ConsumerSecret, a.Name = "rotated", "Acme Inc"
		if err := db.UpdateTwitterApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TwitterApplication(ctx, a.ID); got.ConsumerSecret != "rotated" || got.Name != "Acme Inc" {
			t.Errorf("after update: %v", got)
		}
		dup := a
		dup.ID = engine.SourceID(engine.NewID(time.Now()))
		dup.Name = "ACME INC"
		if err := db.CreateTwitterApplication(ctx, dup); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("an application with a taken name: %v, want ErrConflict", err)
		}

		h := newHandle(a, w, "Support", "6253282")
		if err := db.CreateTwitterHandle(ctx, h); err != nil {
			t.Fatal(err)
		}
		if got, err := db.TwitterHandle(ctx, h.ID); err != nil || got != h {
			t.Fatalf("TwitterHandle = %v, %v; want %v", got, err, h)
		}
		if got, err := db.TwitterHandleByUserID(ctx, a.ID, "6253282"); err != nil || got.ID != h.ID || got.AccessToken != h.AccessToken {
			t.Errorf("TwitterHandleByUserID = %v, %v", got, err)
		}
		for _, user := range []string{"1", ""} {
			if _, err := db.TwitterHandleByUserID(ctx, a.ID, user); !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("TwitterHandleByUserID(%q) = %v, want ErrNotFound", user, err)
			}
		}
		// The database itself refuses a second handle for one user, or a taken name.
		if err := db.CreateTwitterHandle(ctx, newHandle(a, w, "Other", "6253282")); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a second handle for the same user: %v, want ErrConflict", err)
		}
		if err := db.CreateTwitterHandle(ctx, newHandle(a, w, "SUPPORT", "7")); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a second handle with the same name: %v, want ErrConflict", err)
		}
		// Pending handles have no user id yet; several may wait at once.
		for _, name := range []string{"Pending 1", "Pending 2"} {
			p := newHandle(a, w, name, "")
			p.AccessToken, p.AccessTokenSecret, p.Status = "", "", engine.HandlePending
			if err := db.CreateTwitterHandle(ctx, p); err != nil {
				t.Fatalf("pending handle %s: %v", name, err)
			}
			if got, err := db.TwitterHandle(ctx, p.ID); err != nil || got != p {
				t.Errorf("pending handle = %v, %v; want %v", got, err, p)
			}
		}
		l, err := db.ListTwitterHandles(ctx, a.ID, engine.Page{Limit: 2})
		if err != nil || len(l.Items) != 2 || l.Items[0].ID != h.ID || l.Next == "" {
			t.Errorf("ListTwitterHandles = %+v, %v", l, err)
		}

		h.AccessToken, h.Status, h.StatusReason = "new-token", engine.HandleDisconnected, "revoked"
		if err := db.UpdateTwitterHandle(ctx, h); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TwitterHandle(ctx, h.ID); got != h {
			t.Errorf("after update: %v, want %v", got, h)
		}
		if err := db.DeleteTwitterApplication(ctx, a.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("delete an application with handles: %v, want ErrConflict", err)
		}
		if err := db.DeleteWorkStream(ctx, w.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("delete a work stream with handles: %v, want ErrConflict", err)
		}
		if err := db.DeleteTwitterHandle(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TwitterHandle(ctx, h.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("deleted handle: %v", err)
		}
		if err := db.DeleteTwitterHandle(ctx, h.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("delete a deleted handle: %v", err)
		}
	})
}

func TestTwitterSecretsNeedTheKey(t *testing.T) {
	ctx := context.Background()
	url := storagetest.SQLiteURL(t)
	db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: storagetest.SecretKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	w, a := twitterFixture(t, db)
	h := newHandle(a, w, "Support", "1")
	if err := db.CreateTwitterHandle(ctx, h); err != nil {
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
	if got, err := other.TwitterApplication(ctx, a.ID); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SECRET_KEY") || strings.Contains(err.Error(), "consumer-secret") {
		t.Errorf("reading with another key = %v, %v; want an error that names the key and not the secret", got, err)
	}
	if _, err := other.TwitterHandleByUserID(ctx, a.ID, "1"); err == nil {
		t.Error("a handle's tokens opened with another key")
	}
	if _, err := other.ListTwitterApplications(ctx, engine.Page{Limit: 10}); err == nil {
		t.Error("listing opened secrets with another key")
	}

	noKey, err := storage.Open(ctx, storage.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer noKey.Close()
	a2 := a
	a2.ID, a2.Name = engine.SourceID(engine.NewID(time.Now())), "Beta"
	if err := noKey.CreateTwitterApplication(ctx, a2); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SECRET_KEY") {
		t.Errorf("storing a secret without a key = %v; want an error naming SWITCHBOARD_SECRET_KEY", err)
	}
}
