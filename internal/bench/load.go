package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Load is the shape of a run: how many workers, for how long or how many requests.
type Load struct {
	Concurrency int
	Duration    time.Duration // used when Requests is 0
	Requests    int64
}

func (l Load) validate() error {
	switch {
	case l.Concurrency < 1:
		return fmt.Errorf("concurrency must be at least 1")
	case l.Requests < 0 || l.Duration < 0:
		return fmt.Errorf("draws and duration must not be negative")
	case (l.Requests == 0) == (l.Duration == 0):
		return fmt.Errorf("give a duration or a number of draws, not both or neither")
	}
	return nil
}

// phase is one closed-loop run of a kind of request.
type phase struct {
	load    Load
	tl      *timeline
	started time.Time
	elapsed time.Duration
	issued  atomic.Int64 // requests begun, for the progress display
}

func newPhase(load Load) *phase {
	now := time.Now()
	return &phase{load: load, started: now, tl: newTimeline(now)}
}

// run sends requests from load.Concurrency workers, each sending its next request as soon
// as the previous one is answered, until the count or the time is up or ctx ends.
// work reports whether the request failed below the API, to back off: a worker that
// hammers a dead server measures nothing and burns the CPU the server needs to restart.
func (p *phase) run(ctx context.Context, work func(w int, i int64, rng *rand.Rand) (transportFailed bool)) {
	load := p.load
	deadline := p.started.Add(load.Duration)
	var wg sync.WaitGroup
	for w := range load.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(p.started.UnixNano())))
			for ctx.Err() == nil {
				i := p.issued.Add(1) - 1
				if load.Requests > 0 && i >= load.Requests {
					return
				}
				if load.Requests == 0 && !time.Now().Before(deadline) {
					return
				}
				if work(w, i, rng) {
					select {
					case <-ctx.Done():
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(p.started)
}

// drawRun is the state shared by the workers of a draw phase.
type drawRun struct {
	senders []sender // one per worker
	body    []byte
	bearers []string // "Bearer <token>" per user
	prefix  string   // of this run's idempotency keys
	every   int64    // replay every n-th acknowledged draw; 0 = never
	keep    int      // keys each worker keeps to repeat once the run is over
	tallies []*tally // one per worker
}

func (d *drawRun) work(ctx context.Context, tl *timeline) func(int, int64, *rand.Rand) bool {
	return func(w int, i int64, rng *rand.Rand) bool {
		bearer := d.bearers[rng.IntN(len(d.bearers))]
		key := d.prefix + strconv.FormatInt(i, 36)
		a, took, end := d.send(ctx, d.senders[w], bearer, key)
		tl.record(end, took, a.Code == "")
		t := d.tallies[w]
		t.draw(a)
		if a.Code == "" && d.every > 0 {
			t.keep(keptKey{key: key, bearer: bearer, first: a.Draw}, d.keep, rng)
			if i%d.every == 0 {
				again, _, _ := d.send(ctx, d.senders[w], bearer, key)
				t.replay(&t.replays, key, a.Draw, again)
			}
		}
		return a.Status == 0
	}
}

// lateReplays is how many of the run's keys are repeated once it is over.
const lateReplays = 1000

// replayLate repeats the keys t kept once the draws are over, each compared with its
// first answer: keys answered at any time of the run, through every fault it went
// through, not just a moment before.
func (d *drawRun) replayLate(ctx context.Context, t *tally) {
	n := min(len(d.senders), 16)
	parts := make([]*tally, n)
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = newTally()
		wg.Go(func() {
			for i := w; i < len(t.kept) && ctx.Err() == nil; i += n {
				k := t.kept[i]
				a, _, _ := d.send(ctx, d.senders[w], k.bearer, k.key)
				parts[w].replay(&parts[w].late, k.key, k.first, a)
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		t.late.merge(p.late)
		t.unknown += p.unknown
		t.acked = append(t.acked, p.acked...)
	}
}

func (d *drawRun) send(ctx context.Context, s sender, bearer, key string) (answer, time.Duration, time.Time) {
	var da drawAnswer
	start := time.Now()
	status, body, err := s.do(ctx, http.MethodPost, "/api/v1/draws", d.body,
		"Content-Type", "application/json", "Authorization", bearer, "Idempotency-Key", key)
	end := time.Now()
	a := classify(status, body, err, &da)
	a.Draw = da
	return a, end.Sub(start), end
}

// healthWork is the same loop on GET /healthz: what the server does with no work at all.
func healthWork(ctx context.Context, senders []sender, tl *timeline) func(int, int64, *rand.Rand) bool {
	return func(w int, _ int64, _ *rand.Rand) bool {
		start := time.Now()
		status, body, err := senders[w].do(ctx, http.MethodGet, "/healthz", nil)
		end := time.Now()
		a := classify(status, body, err, nil)
		tl.record(end, end.Sub(start), a.Code == "")
		return a.Status == 0
	}
}
