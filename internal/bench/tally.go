package bench

import (
	"maps"
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
}

// Replays are the deliberate repeats of an Idempotency-Key that was answered 200.
type Replays struct {
	Sent      int64    `json:"sent"`
	Same      int64    `json:"same_order"`
	Different int64    `json:"different_order"`
	Failed    int64    `json:"failed"`
	Examples  []string `json:"examples,omitempty"`
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

// replay files the answer to a repeat of a key first answered with order first.
func (t *tally) replay(key, first string, a answer) {
	t.replays.Sent++
	switch {
	case a.Code != "":
		t.replays.Failed++
		if a.unknownOutcome() {
			t.unknown++
		}
	case a.Draw.OrderID == first:
		t.replays.Same++
	default:
		// A second order for one key: acknowledged all the same, and flagged.
		t.replays.Different++
		if id, err := strconv.ParseInt(a.Draw.OrderID, 10, 64); err == nil {
			t.acked = append(t.acked, id)
		}
		if len(t.replays.Examples) < 10 {
			t.replays.Examples = append(t.replays.Examples, key+": "+first+" then "+a.Draw.OrderID)
		}
	}
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
	t.replays.Sent += o.replays.Sent
	t.replays.Same += o.replays.Same
	t.replays.Different += o.replays.Different
	t.replays.Failed += o.replays.Failed
	t.replays.Examples = append(t.replays.Examples, o.replays.Examples...)
}

// settle sorts and deduplicates the acknowledged ids for the SQL comparison.
func (t *tally) settle() {
	slices.Sort(t.acked)
	t.acked = slices.Compact(t.acked)
	slices.Sort(t.won)
	t.won = slices.Compact(t.won)
}
