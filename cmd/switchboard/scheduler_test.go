package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
)

// apiCall sends a JSON request with a bearer token and decodes the answer.
func apiCall(t testing.TB, method, url, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s = %d %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
		}
	}
	return resp.StatusCode
}

// TestServeRequeuesAndEscalates is issue 8's "Done when": serve runs the
// jobs by default; with the sweep every second, a work stream whose
// requeue_after is 2s and a rule that sends RequeueCount >= 2 to an
// escalation queue, a DM nobody takes (delivered by the fake Twitter
// server, signed, to the served webhook) is in the escalation queue within
// ten seconds, and its routing history shows each requeue.
func TestServeRequeuesAndEscalates(t *testing.T) {
	const token = "test-admin-token-0123456789"
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		fake := newFakeChannel(t, "sched")
		business := fake.business
		customer := fake.AddUser(twittertest.User{ScreenName: "alice", Name: "Alice"})
		svc := startService(t, fake.serviceEnv(t, append(dbEnv, "SWITCHBOARD_ADMIN_TOKEN="+token, "SWITCHBOARD_SCHEDULE_SWEEP=@every 1s")...))
		base := "http://" + svc.addr + "/api/v1"
		var general, escalation, ws struct {
			ID string `json:"id"`
		}
		apiCall(t, "POST", base+"/queues", token, map[string]any{"name": "General"}, &general)
		apiCall(t, "POST", base+"/queues", token, map[string]any{"name": "Escalation"}, &escalation)
		apiCall(t, "POST", base+"/workstreams", token, map[string]any{"name": "Care", "channel": "twitter", "mode": "push",
			"default_queue_id": general.ID, "requeue_after": "2s"}, &ws)
		apiCall(t, "POST", base+"/workstreams/"+ws.ID+"/rules", token, map[string]any{"name": "Escalate",
			"condition": "Conversation.RequeueCount >= 2", "queue_id": escalation.ID, "enabled": true}, nil)
		fake.connectHandle(t, base, token, ws.ID)

		inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: business.ID, Text: "is anyone there?"})
		if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
			t.Fatalf("inject the DM: %+v, %v", inj, err)
		}
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		apiCall(t, "GET", base+"/conversations?work_stream_id="+ws.ID, token, nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("conversations after the DM: %+v", list)
		}
		var conv struct {
			QueueID string `json:"queue_id"`
			Routing []struct {
				QueueID string `json:"queue_id"`
				Reason  string `json:"reason"`
			} `json:"routing"`
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			apiCall(t, "GET", base+"/conversations/"+list.Items[0].ID, token, nil, &conv)
			if conv.QueueID == escalation.ID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after ten seconds the conversation is in queue %s (escalation is %s); routing %+v; logs:\n%s",
					conv.QueueID, escalation.ID, conv.Routing, svc.logs)
			}
			time.Sleep(100 * time.Millisecond) // polling the API, bounded by the deadline
		}
		var got []string
		for _, r := range conv.Routing {
			q := map[string]string{general.ID: "General", escalation.ID: "Escalation"}[r.QueueID]
			got = append(got, r.Reason+":"+q)
		}
		if want := "default:General requeue:General requeue:Escalation"; strings.Join(got, " ") != want {
			t.Errorf("routing history = %s; want %s", strings.Join(got, " "), want)
		}
		if _, metrics := get(t, "http://"+svc.addr+"/metrics", ""); !strings.Contains(metrics, `switchboard_scheduler_changed_total{job="requeue"}`) {
			t.Errorf("/metrics lacks the scheduler's counts:\n%s", metrics)
		}
		if !strings.Contains(svc.logs.String(), `"msg":"scheduler job ran","component":"scheduler","job":"requeue"`) {
			t.Errorf("the requeue runs were not logged:\n%s", svc.logs)
		}
		if err := svc.stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(svc.logs.String(), `"msg":"scheduler stopped"`) {
			t.Errorf("the scheduler did not stop cleanly:\n%s", svc.logs)
		}
	})
}

func TestSchedulerOffServesOnly(t *testing.T) {
	svc := startService(t, []string{"SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db"), "SWITCHBOARD_LISTEN=127.0.0.1:0",
		"SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_SCHEDULER=off"})
	if !strings.Contains(svc.logs.String(), "scheduler off") || strings.Contains(svc.logs.String(), "scheduler started") {
		t.Errorf("with SWITCHBOARD_SCHEDULER=off the scheduler ran:\n%s", svc.logs)
	}
}

func TestBadScheduleStopsStartUpWithOneLine(t *testing.T) {
	tests := []struct {
		name, env, want string
	}{
		{"sweep spec", "SWITCHBOARD_SCHEDULE_SWEEP=every 5s", `SWITCHBOARD_SCHEDULE_SWEEP: "every 5s" is not a cron schedule`},
		{"auto-close spec", "SWITCHBOARD_SCHEDULE_AUTOCLOSE=* * *", `SWITCHBOARD_SCHEDULE_AUTOCLOSE: "* * *" is not a cron schedule`},
		{"bad @every", "SWITCHBOARD_SCHEDULE_SWEEP=@every soon", `SWITCHBOARD_SCHEDULE_SWEEP: "@every soon" is not a cron schedule`},
		{"scheduler switch", "SWITCHBOARD_SCHEDULER=maybe", `SWITCHBOARD_SCHEDULER: "maybe" is not on or off`},
		{"stream grace", "SWITCHBOARD_AGENT_STREAM_GRACE=-1s", "SWITCHBOARD_AGENT_STREAM_GRACE: must not be negative"},
		{"stream poll", "SWITCHBOARD_STREAM_POLL=0s", "SWITCHBOARD_STREAM_POLL: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, out := child(t, []string{"SWITCHBOARD_LOG_LEVEL=error", "SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db"), tt.env}, "serve")
			if err := cmd.Run(); err == nil {
				t.Fatalf("serve started with %s; output:\n%s", tt.env, out)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("output:\n%s\nwant one line with %q", out, tt.want)
			}
		})
	}
}

func TestSchedulerRunsAreLoggedAndCounted(t *testing.T) {
	cfg, err := loadConfig(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	s, err := newScheduler(&cfg, nil, engine.SystemClock{}, newTestLogger(logs), reg)
	if err != nil {
		t.Fatal(err)
	}
	s.runOne(job{"demo", func(context.Context, time.Time) (engine.SweepStats, error) {
		return engine.SweepStats{Examined: 3, Changed: 2}, nil
	}})
	s.runOne(job{"demo", func(context.Context, time.Time) (engine.SweepStats, error) {
		return engine.SweepStats{Examined: 1}, errors.New("database gone")
	}})
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for key, want := range map[string]float64{
		"switchboard_scheduler_examined_total,job=demo":          4,
		"switchboard_scheduler_changed_total,job=demo":           2,
		"switchboard_scheduler_runs_total,job=demo,result=ok":    1,
		"switchboard_scheduler_runs_total,job=demo,result=error": 1,
		"switchboard_scheduler_run_seconds,job=demo":             2,
	} {
		if got[key] != want {
			t.Errorf("%s = %v; want %v", key, got[key], want)
		}
	}
	if out := logs.String(); !strings.Contains(out, `"msg":"scheduler job ran"`) || !strings.Contains(out, `"examined":3`) ||
		!strings.Contains(out, `"error":"database gone"`) {
		t.Errorf("logs lack the runs:\n%s", out)
	}
	s.cron.Start()
	s.stop()
	if !strings.Contains(logs.String(), "scheduler stopped") {
		t.Errorf("stop did not log:\n%s", logs)
	}
}
