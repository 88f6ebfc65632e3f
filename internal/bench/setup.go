package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// Who sets the benchmark activity up. Separation of duties: nobody approves an activity
// they created, so a marketer creates and submits it and an admin approves and starts it.
const (
	SetupMarketer = "bench-marketer"
	SetupAdmin    = "bench-admin"
)

// SetupTimeZone is the benchmark activity's: not UTC, so that a day counted in the wrong
// zone shows in the checks (the days of orders against their draw times) most hours of
// the day, and with a half-hour offset, so that one counted in the wrong zone's hour does
// too.
const SetupTimeZone = "Asia/Kolkata"

// SetupOptions size the benchmark activity for the run it is made for.
type SetupOptions struct {
	URL   string
	Keys  *token.Keys
	Draws int64 // draws expected over the activity's life, to size stock and limits
	Users int
	// Tight sizes stock, quotas and user limits so that each runs out during the run,
	// which exercises every limit (e.g. under faults) at the cost of a meaningful odds test.
	Tight bool
	// Awards is AwardsText (every prize a text award, the cheapest grant) or AwardsMixed.
	Awards string
	// Mode is the activity's strategy mode; empty: fixed.
	Mode strategy.Mode
}

// Award sets of the benchmark activity. Mixed makes the grand prize a physical award (its
// grant awaits the winner's address) and the 20 % prize 100 points (a ledger entry and a
// balance each), so a run pays for grants that write more than their record; the 5 %
// prize stays text, as a coupon would need a merchant and redeem codes an upload.
const (
	AwardsText  = "text"
	AwardsMixed = "mixed"
)

// prizePlan is one prize of the benchmark activity.
type prizePlan struct {
	name        string
	probability float64
	stock       int64
	dailyQuota  int64
}

// award is the body that creates p's award in the set awards.
func (p prizePlan) award(awards string) map[string]any {
	if awards == AwardsMixed {
		switch p.name {
		case "Grand prize":
			return map[string]any{"name": p.name, "kind": "physical", "content": map[string]any{"sku": "BENCH-GRAND"}}
		case "100 points":
			return map[string]any{"name": p.name, "kind": "points", "content": map[string]any{"points": 100}}
		}
	}
	return map[string]any{"name": p.name, "kind": "text", "content": map[string]any{"text": "You won: " + p.name}}
}

// plan chooses the activity's numbers: loose ones keep every limit out of the way, so the
// odds test means something; tight ones make each of them bind.
func (o SetupOptions) plan() (stock, perUserTotal, perUserDaily int64, prizes []prizePlan) {
	d := max(o.Draws, 1000)
	perUser := (d + int64(o.Users) - 1) / int64(max(o.Users, 1))
	expect := func(p float64) int64 { return int64(p * float64(d)) }
	if o.Tight {
		return d * 3 / 4, perUser + 1, perUser + 1, []prizePlan{
			{"Grand prize", 0.01, max(expect(0.01)/3, 10), 0},
			{"$5 coupon", 0.05, expect(0.05) * 3, max(expect(0.05)/2, 10)},
			{"100 points", 0.2, max(expect(0.2)/2, 10), 0},
		}
	}
	return 10 * d, 10*perUser + 100, 10*perUser + 100, []prizePlan{
		{"Grand prize", 0.01, 3*expect(0.01) + 1000, 0},
		{"$5 coupon", 0.05, 3*expect(0.05) + 1000, 3*expect(0.05) + 1000},
		{"100 points", 0.2, 3*expect(0.2) + 1000, 0},
	}
}

// SetUp creates the awards and a running activity through the admin API and returns
// the activity's id.
func SetUp(ctx context.Context, o SetupOptions) (int64, error) {
	a, err := newAdminClient(o.URL, o.Keys)
	if err != nil {
		return 0, err
	}
	stock, total, daily, prizes := o.plan()
	var slots []map[string]any
	for _, p := range prizes {
		var aw struct {
			ID string `json:"id"`
		}
		if err := a.call(ctx, a.marketer, http.MethodPost, "/awards", p.award(o.Awards), &aw); err != nil {
			return 0, fmt.Errorf("create award %q: %w", p.name, err)
		}
		slot := map[string]any{"award_id": aw.ID, "probability": strconv.FormatFloat(p.probability, 'f', -1, 64), "stock": p.stock}
		if p.dailyQuota > 0 {
			slot["daily_quota"] = p.dailyQuota
		}
		slots = append(slots, slot)
	}
	now := time.Now().UTC()
	body := map[string]any{
		"name": "Benchmark " + now.Format("2006-01-02 15:04:05"), "kind": "lottery",
		"begin_at": now.Add(-time.Minute).Format(time.RFC3339), "end_at": now.Add(30 * 24 * time.Hour).Format(time.RFC3339),
		"time_zone": SetupTimeZone, "stock": stock,
		"limits":   map[string]any{"per_user_total": total, "per_user_daily": daily},
		"strategy": map[string]any{"mode": cmp.Or(o.Mode, strategy.ModeFixed), "prizes": slots},
	}
	var act struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, a.marketer, http.MethodPost, "/activities", body, &act); err != nil {
		return 0, fmt.Errorf("create activity: %w", err)
	}
	id, err := strconv.ParseInt(act.ID, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("create activity: the server answered id %q", act.ID)
	}
	for _, step := range []struct{ bearer, action string }{{a.marketer, "submit"}, {a.admin, "approve"}, {a.admin, "start"}} {
		path := "/activities/" + act.ID + "/transitions"
		err := a.call(ctx, step.bearer, http.MethodPost, path, map[string]any{"action": step.action, "reason": "benchmark"}, nil)
		if err != nil && !(step.action == "start" && a.startedBySchedule(ctx, act.ID)) {
			return 0, fmt.Errorf("%s activity %s: %w", step.action, act.ID, err)
		}
	}
	return id, a.awaitRunning(ctx, act.ID)
}

// startedBySchedule tells whether the activity runs already: its window has begun, so the
// server's scheduler may start it between the approval and the start asked for here.
func (a *adminClient) startedBySchedule(ctx context.Context, id string) bool {
	var got struct {
		State string `json:"state"`
	}
	err := a.call(ctx, a.admin, http.MethodGet, "/activities/"+id, nil, &got)
	return err == nil && got.State == "running"
}

// adminClient calls the admin API with a marketer's and an admin's token.
type adminClient struct {
	http            *http.Client
	base            string
	marketer, admin string
	user            string // to read the activity as the users will see it
}

func newAdminClient(base string, keys *token.Keys) (*adminClient, error) {
	mint := func(sub, role string) (string, error) {
		raw, err := keys.Mint(sub, []string{role}, nil, time.Hour)
		return "Bearer " + raw, err
	}
	a := &adminClient{http: &http.Client{Timeout: 15 * time.Second}, base: strings.TrimRight(base, "/")}
	var err error
	if a.marketer, err = mint(SetupMarketer, token.RoleMarketer); err != nil {
		return nil, fmt.Errorf("mint marketer token: %w", err)
	}
	if a.admin, err = mint(SetupAdmin, token.RoleAdmin); err != nil {
		return nil, fmt.Errorf("mint admin token: %w", err)
	}
	if a.user, err = mint("bench-probe", token.RoleUser); err != nil {
		return nil, fmt.Errorf("mint user token: %w", err)
	}
	return a, nil
}

// call sends a JSON request to the admin API and decodes a 2xx answer into out.
func (a *adminClient) call(ctx context.Context, bearer, method, path string, in, out any) error {
	return a.do(ctx, bearer, method, "/api/v1/admin"+path, in, out)
}

func (a *adminClient) do(ctx context.Context, bearer, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%s %s: %s: %s (is the token key, --secret or LOTTERY_AUTH_SECRET, the server's auth.secret?)",
			method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// awaitRunning waits until users see the activity running: servers learn of the start
// through their change feed, a moment after the transition.
func (a *adminClient) awaitRunning(ctx context.Context, id string) error {
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		var pub struct {
			State string `json:"state"`
		}
		last = a.do(ctx, a.user, http.MethodGet, "/api/v1/activities/"+id, nil, &pub)
		if last == nil && pub.State == "running" {
			return nil
		}
		if last == nil {
			last = fmt.Errorf("state %q", pub.State)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.Join(fmt.Errorf("activity %s is not running for users after 15s", id), last)
}
