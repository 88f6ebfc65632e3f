package bench

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Report is everything a run measured and checked; --json writes it as is.
type Report struct {
	URL        string `json:"url"`
	ActivityID string `json:"activity_id"`
	// Database is where the invariants were checked; empty when they were not.
	Database    string           `json:"database,omitempty"`
	Users       int              `json:"users"`
	Concurrency int              `json:"concurrency"`
	UserPrefix  string           `json:"user_prefix"`
	Draws       *Phase           `json:"draws,omitempty"`
	Outcomes    map[string]int64 `json:"outcomes,omitempty"`
	Errors      map[string]int64 `json:"errors,omitempty"`
	Unknown     int64            `json:"unknown_outcome"`
	Wins        []AwardWins      `json:"wins_by_award,omitempty"`
	Replays     *Replays         `json:"replays,omitempty"`
	LateReplays *Replays         `json:"late_replays,omitempty"` // a sample of the run's keys, repeated once it is over
	// DBReads is what MySQL/MariaDB read from disk during the draws; nil on SQLite.
	DBReads *DBReads `json:"database_reads,omitempty"`
	// CPU is the processor time per draw of the processes on this machine (--cpu).
	CPU     *CPU   `json:"cpu,omitempty"`
	Healthz *Phase `json:"healthz,omitempty"`
	// Ratio is durable draws/s ÷ healthz requests/s of the same run and load shape.
	Ratio float64 `json:"draws_per_healthz,omitempty"`
	// Targets compares the run with the design's targets; informative, never a failure.
	Targets    []Target `json:"targets,omitempty"`
	Invariants []Check  `json:"invariants"`
	Odds       *Odds    `json:"odds,omitempty"`
	// Violations counts the invariants found violated.
	Violations int `json:"violations"`
}

// Phase is one load phase's throughput and latency.
type Phase struct {
	Requests  int64   `json:"requests"`
	OK        int64   `json:"ok"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"ok_per_second"`
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	Timeline  []Point `json:"timeline"`
}

// AwardWins is how often the answers named one award.
type AwardWins struct {
	AwardID string `json:"award_id"`
	Name    string `json:"name"`
	Wins    int64  `json:"wins"`
}

func summarise(p *phase) *Phase {
	h := p.tl.overall()
	out := &Phase{Requests: h.Count(), Seconds: p.elapsed.Seconds(), Timeline: p.tl.points(),
		P50Ms: ms(h.Quantile(0.5)), P90Ms: ms(h.Quantile(0.9)), P99Ms: ms(h.Quantile(0.99)), MaxMs: ms(h.Max())}
	for _, pt := range out.Timeline {
		out.OK += pt.OK
	}
	if out.Seconds > 0 {
		out.PerSecond = float64(out.OK) / out.Seconds
	}
	return out
}

func (r *Report) addTally(t *tally) {
	r.Outcomes, r.Errors, r.Unknown = t.outcomes, t.errors, t.unknown
	for _, id := range slices.Sorted(maps.Keys(t.wins)) {
		r.Wins = append(r.Wins, AwardWins{AwardID: id, Name: t.names[id], Wins: t.wins[id]})
	}
	rp, late := t.replays, t.late
	r.Replays, r.LateReplays = &rp, &late
}

// line describes replays in one line of the report.
func (rp *Replays) line(when string) string {
	return fmt.Sprintf("%d Idempotency-Keys %s: %d same order, %d another order, %d refused, %d altered, %d failed",
		rp.Sent, when, rp.Same, rp.Different, rp.Refused, rp.Altered, rp.Failed)
}

func (r *Report) addCheck(c Check) {
	r.Invariants = append(r.Invariants, c)
	if c.Status == StatusViolated {
		r.Violations++
	}
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	if r.Draws == nil {
		fmt.Fprintf(w, "\nLottery bench — check only: activity %s in %s, no load sent\n", r.ActivityID, r.Database)
	} else {
		fmt.Fprintf(w, "\nLottery bench — %s, activity %s, %d users, %d concurrent\n", r.URL, r.ActivityID, r.Users, r.Concurrency)
	}
	if d := r.Draws; d != nil {
		fmt.Fprintf(w, "\ndraws     %9.0f draws/s  (%d answered 200 of %d requests in %.1fs)\n", d.PerSecond, d.OK, d.Requests, d.Seconds)
		fmt.Fprintf(w, "latency   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", d.P50Ms, d.P90Ms, d.P99Ms, d.MaxMs)
		fmt.Fprintf(w, "outcomes  %s\n", counts(r.Outcomes))
		fmt.Fprintf(w, "errors    %s\n", counts(r.Errors))
		if n := r.Errors["rate_limited"]; n > 0 {
			fmt.Fprintf(w, "          %d draws answered rate_limited: the server limits each user's draws per second (draw.rate_per_user); start it with LOTTERY_DRAW_RATE_PER_USER=0 to measure throughput\n", n)
		}
		if r.Unknown > 0 {
			fmt.Fprintf(w, "          %d answers left the outcome unknown (5xx or no answer)\n", r.Unknown)
		}
		for _, aw := range r.Wins {
			fmt.Fprintf(w, "wins      %-24s %8d  (award %s)\n", aw.Name, aw.Wins, aw.AwardID)
		}
		if r.Replays != nil && r.Replays.Sent > 0 {
			fmt.Fprintf(w, "replays   %s\n", r.Replays.line("repeated at once"))
		}
		if r.LateReplays != nil && r.LateReplays.Sent > 0 {
			fmt.Fprintf(w, "          %s\n", r.LateReplays.line("repeated after the run"))
		}
		if r.DBReads != nil {
			r.DBReads.print(w)
		}
		if r.CPU != nil {
			r.CPU.print(w)
		}
	}
	if h := r.Healthz; h != nil {
		fmt.Fprintf(w, "\nhealthz   %9.0f req/s    p50 %.2f ms  p99 %.2f ms  (same concurrency, same %s)\n",
			h.PerSecond, h.P50Ms, h.P99Ms, sameShape(r.Draws, h))
		if r.Ratio > 0 {
			fmt.Fprintf(w, "ratio     draws/s ÷ healthz req/s = %.2f\n", r.Ratio)
		}
	}
	printTargets(w, r.Targets)
	where := ""
	if r.Database != "" {
		where = " in " + r.Database
	}
	fmt.Fprintf(w, "\ninvariants%s: no oversell, no user over a limit, every win granted once, no lost or duplicated order, odds as configured\n", where)
	for _, c := range r.Invariants {
		fmt.Fprintf(w, "  %-11s %s\n              %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Detail)
	}
	if o := r.Odds; o != nil {
		fmt.Fprintln(w, "\nodds      award                probability   expected   observed")
		for _, p := range o.Prizes {
			name := cmp.Or(p.Name, p.AwardID, "(no prize)")
			mark := ""
			if p.Exhausted {
				mark = "  ran out"
			}
			fmt.Fprintf(w, "          %-20s %11.4f %10.0f %10d%s\n", name, p.Probability, p.Expected, p.Observed, mark)
		}
	}
	fmt.Fprintf(w, "\n%s\n", r.Summary())
}

// Summary is the report's last line: whether draws were answered at all, how many
// invariants were violated of those checked, and which could not be checked.
func (r *Report) Summary() string {
	var parts []string
	if r.noDraws() {
		parts = append(parts, fmt.Sprintf("no draw answered: 0 of %d requests answered 200", r.Draws.Requests))
	}
	var checked int
	var pending, unchecked []string
	for _, c := range r.Invariants {
		short, _, _ := strings.Cut(c.Name, ":")
		switch c.Status {
		case StatusNotChecked:
			unchecked = append(unchecked, short)
		case StatusPending:
			pending = append(pending, short)
			checked++
		default:
			checked++
		}
	}
	if checked == 0 {
		return strings.Join(append(parts, "invariants not checked: give --sqlite (an embedded server's data_dir/lottery.db) or --mysql-dsn"), "; ")
	}
	line := fmt.Sprintf("%d of %d invariants violated", r.Violations, checked)
	if len(pending) > 0 {
		line += fmt.Sprintf(", %d pending (%s)", len(pending), strings.Join(pending, ", "))
	}
	if len(unchecked) > 0 {
		line += fmt.Sprintf(", %d not checked (%s)", len(unchecked), strings.Join(unchecked, ", "))
	}
	return strings.Join(append(parts, line), "; ")
}

// Failure is why the run failed, or nil: an invariant violated or not reached within the
// wait (wins not granted), or a run in which no draw was answered, which measured nothing.
func (r *Report) Failure() error {
	var errs []error
	if r.noDraws() {
		hint := fmt.Sprintf("is activity %s running on the server at %s?", r.ActivityID, r.URL)
		if r.Errors["unauthorized"] > 0 {
			hint = "is the token key (--secret, LOTTERY_AUTH_SECRET) the server's?"
		}
		errs = append(errs, fmt.Errorf("no draw was answered 200 of %d requests (errors: %s): %s",
			r.Draws.Requests, counts(r.Errors), hint))
	}
	if r.Violations > 0 {
		errs = append(errs, fmt.Errorf("%d invariant(s) violated", r.Violations))
	}
	for _, c := range r.Invariants {
		// Not reached within the wait is not proven: a run whose wins are never granted
		// must not pass (a granter that is not running is told apart in the detail).
		if c.Status == StatusPending {
			errs = append(errs, fmt.Errorf("invariant %s not reached: %s", c.Name, c.Detail))
		}
	}
	return errors.Join(errs...)
}

func (r *Report) noDraws() bool { return r.Draws != nil && r.Draws.OK == 0 }

func sameShape(d, h *Phase) string {
	if d != nil && h != nil && d.Requests == h.Requests {
		return "request count"
	}
	return "duration"
}

func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
