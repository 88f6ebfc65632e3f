package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lottery-go/lottery/infrastructure/token"
)

// Options describe a run against a server.
type Options struct {
	URL        string
	ActivityID int64
	Users      int
	Load       Load
	// ReplayEvery repeats every n-th draw answered 200 with the same Idempotency-Key, as a
	// client retrying after a lost answer would; 0 never does.
	ReplayEvery int64
	Timeout     time.Duration
	Keys        *token.Keys // signs the users' tokens: the server's key
	// UserPrefix starts every user id of the run, which is how its orders are found in
	// SQL; empty picks a fresh one.
	UserPrefix string
	Healthz    bool      // also run the same load against GET /healthz
	Progress   io.Writer // live progress bars; nil shows none
	Store      *Store    // SQL access for the invariants; nil leaves them unchecked
	GrantWait  time.Duration
	// CPUOf names the processes whose CPU time per draw to read from /proc while the
	// draws run, beside the bench's own and the machine's; nil measures none.
	CPUOf []string
}

func (o *Options) validate() error {
	switch {
	case o.URL == "":
		return errors.New("no server URL")
	case o.ActivityID <= 0:
		return errors.New("no activity id")
	case o.Users < 1:
		return errors.New("users must be at least 1")
	case o.Keys == nil:
		return errors.New("no key to sign the users' tokens")
	case strings.ContainsAny(o.UserPrefix, "%_"):
		return errors.New("the user prefix must not contain % or _ (it is matched with SQL LIKE)")
	}
	return o.Load.validate()
}

// Run drives the server with o.Users users from o.Load.Concurrency closed-loop workers,
// then (optionally) the same load against /healthz, then checks the invariants.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.UserPrefix == "" {
		o.UserPrefix = "bench-" + randomHex(3) + "-"
	}
	o.URL = strings.TrimRight(o.URL, "/")
	bearers, err := mintUsers(o)
	if err != nil {
		return nil, err
	}
	senders, closeAll := newSenders(o.URL, o.Load.Concurrency, o.Timeout)
	defer closeAll()

	d := &drawRun{
		senders: senders, bearers: bearers, every: o.ReplayEvery,
		body:   []byte(`{"activity_id":"` + strconv.FormatInt(o.ActivityID, 10) + `"}`),
		prefix: o.UserPrefix + "k", tallies: make([]*tally, o.Load.Concurrency),
		keep: max(1, lateReplays/o.Load.Concurrency),
	}
	for i := range d.tallies {
		d.tallies[i] = newTally()
	}
	var misses0 int64
	var measureDB bool
	if o.Store != nil {
		misses0, _, measureDB = o.Store.dbCounters(ctx)
	}
	draws := newPhase(o.Load)
	var cpu *cpuSampler
	if o.CPUOf != nil {
		cpu = startCPU(procRoot, o.CPUOf, draws.started)
	}
	withProgress(ctx, o.Progress, "draws  ", draws, func() { draws.run(ctx, d.work(ctx, draws.tl)) })
	if cpu != nil {
		cpu.halt()
	}
	t := newTally()
	for _, wt := range d.tallies {
		t.merge(wt)
	}
	if ctx.Err() == nil {
		d.replayLate(ctx, t)
	}
	t.settle()

	r := &Report{URL: o.URL, ActivityID: strconv.FormatInt(o.ActivityID, 10), Users: o.Users,
		Concurrency: o.Load.Concurrency, UserPrefix: o.UserPrefix, Draws: summarise(draws)}
	r.addTally(t)
	if cpu != nil {
		r.CPU = cpu.measure(r.Draws)
	}
	if measureDB {
		r.DBReads = o.Store.dbReadsSince(ctx, misses0, r.Draws.OK)
	}
	if o.Healthz && ctx.Err() == nil {
		h := newPhase(o.Load)
		withProgress(ctx, o.Progress, "healthz", h, func() { h.run(ctx, healthWork(ctx, senders, h.tl)) })
		r.Healthz = summarise(h)
		if r.Healthz.PerSecond > 0 {
			r.Ratio = r.Draws.PerSecond / r.Healthz.PerSecond
		}
	}
	r.Targets = r.targets()
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if o.Store == nil {
		r.addCheck(Check{Name: "invariants", Status: StatusNotChecked, Detail: "not checked: no SQL access (give --mysql-dsn or --sqlite)"})
		return r, nil
	}
	r.Database = o.Store.Where
	if err := o.Store.verify(ctx, r, o.ActivityID, &runView{prefix: o.UserPrefix, t: t}, o.GrantWait); err != nil {
		return r, err
	}
	r.addCheck(checkCounters(ctx, o.URL, o.Keys, o.ActivityID, 15*time.Second))
	return r, nil
}

// CheckOnly checks the invariants of an activity from SQL alone, e.g. after faults, without
// the answers of a run: "nothing lost" then cannot be checked.
func CheckOnly(ctx context.Context, s *Store, activityID int64, grantWait time.Duration) (*Report, error) {
	r := &Report{ActivityID: strconv.FormatInt(activityID, 10), Database: s.Where}
	return r, s.verify(ctx, r, activityID, nil, grantWait)
}

// runView is what a run contributes to the checks: its users and its answers.
type runView struct {
	prefix string
	t      *tally
}

func (s *Store) verify(ctx context.Context, r *Report, activityID int64, run *runView, grantWait time.Duration) error {
	f, err := s.facts(ctx, activityID)
	if err != nil {
		return err
	}
	stock, err := s.checkStock(ctx, activityID, f)
	if err != nil {
		return err
	}
	r.addCheck(stock)
	users, err := s.checkUserLimits(ctx, activityID, f)
	if err != nil {
		return err
	}
	r.addCheck(users)
	if grantWait > 0 {
		grants, err := s.checkGrants(ctx, activityID, grantWait)
		if err != nil {
			return err
		}
		r.addCheck(grants)
	} else {
		r.addCheck(Check{Name: "3 grants", Status: StatusNotChecked, Detail: "not checked: --grant-wait 0"})
	}
	var replays []*Replays
	if run != nil {
		ack, err := s.checkAcknowledged(ctx, activityID, run.prefix, run.t)
		if err != nil {
			return err
		}
		r.addCheck(ack)
		replays = []*Replays{&run.t.replays, &run.t.late}
	} else {
		r.addCheck(Check{Name: "4 nothing lost", Status: StatusNotChecked, Detail: "needs the answers of a run"})
	}
	idem, err := s.checkIdempotency(ctx, activityID, replays)
	if err != nil {
		return err
	}
	r.addCheck(idem)

	total, worstDay, err := s.winsByPrize(ctx, activityID)
	if err != nil {
		return err
	}
	var o *Odds
	if run != nil {
		o = odds(f, run.t.outcomes["win"]+run.t.outcomes["lose"], run.t.wins, run.t.names, total, worstDay)
	} else {
		orders, err := s.count(ctx, "orders", `SELECT COUNT(*) FROM orders WHERE activity_id = ?`, activityID)
		if err != nil {
			return err
		}
		o = odds(f, orders, winsByAward(f, total), nil, total, worstDay)
	}
	r.Odds = o
	r.addCheck(o.check())
	return nil
}

func winsByAward(f facts, byPrize map[int64]int64) map[string]int64 {
	out := map[string]int64{}
	for _, p := range f.prizes {
		out[strconv.FormatInt(p.awardID, 10)] += byPrize[p.id]
	}
	return out
}

// mintUsers signs one user token per user, valid well past the run.
func mintUsers(o Options) ([]string, error) {
	ttl := 24*time.Hour + o.Load.Duration
	out := make([]string, o.Users)
	for i := range out {
		raw, err := o.Keys.Mint(fmt.Sprintf("%s%06d", o.UserPrefix, i), []string{token.RoleUser}, nil, ttl)
		if err != nil {
			return nil, fmt.Errorf("mint user token: %w", err)
		}
		out[i] = "Bearer " + raw
	}
	return out, nil
}

// withProgress runs fn while a progress bar for p is drawn on out, if any.
func withProgress(ctx context.Context, out io.Writer, title string, p *phase, fn func()) {
	if out == nil {
		fn()
		return
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		showProgress(pctx, out, title, p)
		close(done)
	}()
	fn()
	stop()
	<-done
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
