package bench

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
)

// tally is what one worker was answered; workers keep their own and they are merged once
// the run is over, so counting costs no locks on the hot loop.
type tally struct {
	outcomes map[string]int64 // win, lose
	errors   map[string]int64 // API error code or transport failure → count
	wins     map[string]int64 // award id → wins
	names    map[string]string
	acked    []int64 // order ids answered 200 (replays included; deduplicated on merge)
	won      []int64 // the subset that won
	unknown  int64   // answers that leave the outcome unknown: 5xx and transport errors
	replays  Replays
	late     Replays   // repeats of kept keys once the run is over
	kept     []keptKey // a sample of the keys answered 200, for late
	seen     int64     // keys answered 200, of which kept is a sample
}

// keptKey is a key answered 200, with whom it was sent for and what it was answered.
type keptKey struct {
	key, bearer string
	first       drawAnswer
}

// keep samples the keys answered 200 (reservoir sampling: each is kept with the same
// chance, so the sample spans the whole run and every fault in it).
func (t *tally) keep(k keptKey, limit int, rng *rand.Rand) {
	t.seen++
	switch {
	case len(t.kept) < limit:
		t.kept = append(t.kept, k)
	case rng.Int64N(t.seen) < int64(limit):
		t.kept[rng.IntN(limit)] = k
	}
}

// Replays are the deliberate repeats of an Idempotency-Key that was answered 200. Only
// Same and Failed (a 5xx, a 429, no answer: try again later) are what a correct server
// gives; Different (another order), Refused (a 4xx: the server drew again, or forgot the
// draw) and Altered (the same order told with another outcome or award) break invariant 5.
type Replays struct {
	Sent      int64    `json:"sent"`
	Same      int64    `json:"same_order"`
	Different int64    `json:"different_order"`
	Refused   int64    `json:"refused"`
	Altered   int64    `json:"altered"`
	Failed    int64    `json:"failed"`
	Examples  []string `json:"examples,omitempty"`
}

// wrong is how many repeats break invariant 5.
func (rp *Replays) wrong() int64 { return rp.Different + rp.Refused + rp.Altered }

func (rp *Replays) example(s string) {
	if len(rp.Examples) < 10 {
		rp.Examples = append(rp.Examples, s)
	}
}

func (rp *Replays) merge(o Replays) {
	rp.Sent += o.Sent
	rp.Same += o.Same
	rp.Different += o.Different
	rp.Refused += o.Refused
	rp.Altered += o.Altered
	rp.Failed += o.Failed
	for _, e := range o.Examples {
		rp.example(e)
	}
}

func newTally() *tally {
	return &tally{outcomes: map[string]int64{}, errors: map[string]int64{}, wins: map[string]int64{}, names: map[string]string{}}
}

// draw files the answer to a first attempt.
func (t *tally) draw(a answer) {
	if a.unknownOutcome() {
		t.unknown++
	}
	if a.Code != "" {
		t.errors[a.Code]++
		return
	}
	t.outcomes[a.Draw.Outcome]++
	id, err := strconv.ParseInt(a.Draw.OrderID, 10, 64)
	if err != nil {
		t.errors["malformed_response"]++
		return
	}
	t.acked = append(t.acked, id)
	if a.Draw.Outcome == "win" && a.Draw.Award != nil {
		t.won = append(t.won, id)
		t.wins[a.Draw.Award.ID]++
		t.names[a.Draw.Award.ID] = a.Draw.Award.Name
	}
}

// replay files the answer to a repeat of a key first answered with first, into rp (the
// repeats sent at once, or those sent after the run).
func (t *tally) replay(rp *Replays, key string, first drawAnswer, a answer) {
	rp.Sent++
	switch {
	case a.Code != "" && a.Status >= 400 && a.Status < 500 && a.Status != http.StatusTooManyRequests:
		rp.Refused++
		rp.example(key + ": " + first.OrderID + " then " + a.Code)
	case a.Code != "":
		rp.Failed++
		if a.unknownOutcome() {
			t.unknown++
		}
	case a.Draw.OrderID != first.OrderID:
		// A second order for one key: acknowledged all the same, and flagged.
		rp.Different++
		if id, err := strconv.ParseInt(a.Draw.OrderID, 10, 64); err == nil {
			t.acked = append(t.acked, id)
		}
		rp.example(key + ": " + first.OrderID + " then " + a.Draw.OrderID)
	case a.Draw.Outcome != first.Outcome || awardID(a.Draw) != awardID(first):
		rp.Altered++
		rp.example(fmt.Sprintf("%s: order %s told %s %s, then %s %s", key, first.OrderID,
			first.Outcome, awardID(first), a.Draw.Outcome, awardID(a.Draw)))
	default:
		rp.Same++
	}
}

func awardID(d drawAnswer) string {
	if d.Award == nil {
		return ""
	}
	return d.Award.ID
}

func (t *tally) merge(o *tally) {
	for k, v := range o.outcomes {
		t.outcomes[k] += v
	}
	for k, v := range o.errors {
		t.errors[k] += v
	}
	for k, v := range o.wins {
		t.wins[k] += v
	}
	maps.Copy(t.names, o.names)
	t.acked = append(t.acked, o.acked...)
	t.won = append(t.won, o.won...)
	t.unknown += o.unknown
	t.replays.merge(o.replays)
	t.kept = append(t.kept, o.kept...)
}

// settle sorts and deduplicates the acknowledged ids for the SQL comparison.
func (t *tally) settle() {
	slices.Sort(t.acked)
	t.acked = slices.Compact(t.acked)
	slices.Sort(t.won)
	t.won = slices.Compact(t.won)
}
