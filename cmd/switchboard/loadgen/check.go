package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Checker reads back, through the service's API, what a run stored.
type Checker struct {
	// APIURL is the service's base URL (…/api/v1 is appended).
	APIURL string
	// Token is an admin (or analyst) API token.
	Token string
	// WorkStreamID narrows the listing to one work stream, when set.
	WorkStreamID string
	Client       *http.Client
}

// CheckResult is what the check found. Event and conversation ids are
// listed, sorted, for each problem.
type CheckResult struct {
	Acknowledged  int // the run's acknowledged events
	Stored        int // the run's inbound messages found
	Conversations int // the run's customers' conversations
	// Missing are acknowledged events not stored; Duplicates are events
	// stored more than once.
	Missing, Duplicates []string
	// Extra are stored messages of the run's customers that the run did
	// not send, or filed under another customer's conversation.
	Extra []string
	// Unrouted are conversations without a queue or a routing decision.
	Unrouted []string
}

// OK reports whether everything acknowledged was stored once and routed,
// and nothing else was stored.
func (r CheckResult) OK() bool {
	return len(r.Missing) == 0 && len(r.Duplicates) == 0 && len(r.Extra) == 0 && len(r.Unrouted) == 0
}

// Report prints the result.
func (r CheckResult) Report(w io.Writer) {
	verdict := "passed"
	if !r.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "Database check through the API: %s\n", verdict)
	fmt.Fprintf(w, "  %d acknowledged DMs; %d stored in %d conversations\n", r.Acknowledged, r.Stored, r.Conversations)
	for _, p := range []struct {
		what string
		ids  []string
	}{
		{"acknowledged but not stored", r.Missing},
		{"stored more than once", r.Duplicates},
		{"stored but not sent by this run, or in another customer's conversation", r.Extra},
		{"conversations not routed", r.Unrouted},
	} {
		fmt.Fprintf(w, "  %-72s %d%s\n", p.what+":", len(p.ids), sample(p.ids))
	}
}

func sample(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	n := min(len(ids), 5)
	more := ""
	if len(ids) > n {
		more = ", …"
	}
	return " (" + strings.Join(ids[:n], ", ") + more + ")"
}

// conversation is what the check reads of GET /conversations/{id}.
type conversation struct {
	ID       string  `json:"id"`
	QueueID  *string `json:"queue_id"`
	Customer struct {
		TwitterID string `json:"twitter_id"`
	} `json:"customer"`
	Messages []struct {
		Direction      string  `json:"direction"`
		TwitterEventID *string `json:"twitter_event_id"`
	} `json:"messages"`
	Routing []struct {
		QueueID string `json:"queue_id"`
	} `json:"routing"`
}

// Check compares the stored messages of the run's customers with its
// events: each acknowledged event must be stored exactly once in its
// customer's conversation, which must be routed; nothing else may be
// stored for them. Events that were not acknowledged may or may not be
// stored (an answer can be lost after the commit), but only once.
func (c Checker) Check(ctx context.Context, events []Event) (CheckResult, error) {
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second}
	}
	sent := make(map[string]Event, len(events))
	customers := map[string]bool{}
	var res CheckResult
	for _, ev := range events {
		sent[ev.ID] = ev
		customers[ev.CustomerID] = true
		if ev.Acked {
			res.Acknowledged++
		}
	}
	ids, err := c.conversationIDs(ctx, customers)
	if err != nil {
		return res, err
	}
	convs, err := c.details(ctx, ids)
	if err != nil {
		return res, err
	}
	stored := map[string]int{}
	for _, cv := range convs {
		res.Conversations++
		if cv.QueueID == nil || len(cv.Routing) == 0 {
			res.Unrouted = append(res.Unrouted, cv.ID)
		}
		for _, m := range cv.Messages {
			if m.Direction != "inbound" {
				continue
			}
			res.Stored++
			id := ""
			if m.TwitterEventID != nil {
				id = *m.TwitterEventID
			}
			ev, ok := sent[id]
			if !ok || ev.CustomerID != cv.Customer.TwitterID {
				res.Extra = append(res.Extra, id)
				continue
			}
			stored[id]++
		}
	}
	for id, ev := range sent {
		switch n := stored[id]; {
		case n > 1:
			res.Duplicates = append(res.Duplicates, id)
		case n == 0 && ev.Acked:
			res.Missing = append(res.Missing, id)
		}
	}
	for _, s := range [][]string{res.Missing, res.Duplicates, res.Extra, res.Unrouted} {
		sort.Strings(s)
	}
	return res, nil
}

// conversationIDs pages through the conversations and keeps those of the
// given customers.
func (c Checker) conversationIDs(ctx context.Context, customers map[string]bool) ([]string, error) {
	var ids []string
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if c.WorkStreamID != "" {
			q.Set("work_stream_id", c.WorkStreamID)
		}
		var page struct {
			Items []struct {
				ID       string `json:"id"`
				Customer struct {
					TwitterID string `json:"twitter_id"`
				} `json:"customer"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := c.get(ctx, "/conversations?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if customers[it.Customer.TwitterID] {
				ids = append(ids, it.ID)
			}
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return ids, nil
		}
		cursor = *page.NextCursor
	}
}

// details reads the conversations, a few at a time.
func (c Checker) details(ctx context.Context, ids []string) ([]conversation, error) {
	out := make([]conversation, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range next {
				errs[i] = c.get(ctx, "/conversations/"+url.PathEscape(ids[i]), &out[i])
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c Checker) get(ctx context.Context, path string, out any) error {
	u := strings.TrimSuffix(c.APIURL, "/") + "/api/v1" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("loadgen check: GET %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.Client.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen check: GET %s: %w", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("loadgen check: GET %s: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("loadgen check: GET %s: %s: %s", path, res.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("loadgen check: GET %s: decode: %w", path, err)
	}
	return nil
}
