package messaging

import (
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// inFlight keeps the deliveries a consumer has taken but not yet answered. JetStream
// redelivers a message left unacknowledged for the ack wait (the first backoff) and counts
// that as a delivery, though no worker may have tried it yet: it waited behind slow grants
// in the process's queue. So every message held for longer than a third of the ack wait
// is reported in progress, every third of the ack wait, and an attempt is only counted
// when a worker answered. A message held for longer than maxHold is no longer reported:
// a worker stuck on it (a SQL call on a connection that died half-open never returns)
// must not keep it from every other granter for good. It is then delivered again, and
// the grants table absorbs what both deliveries grant.
type inFlight struct {
	mu      sync.Mutex
	msgs    map[jetstream.Msg]time.Time
	maxHold time.Duration
}

// maxHold is how long a message held by this process is kept in progress: far beyond
// any batch's grants, even against merchants slow up to their timeout.
const maxHold = 15 * time.Minute

func newInFlight() *inFlight {
	return &inFlight{msgs: make(map[jetstream.Msg]time.Time), maxHold: maxHold}
}

// take records m as held from now.
func (f *inFlight) take(m jetstream.Msg) {
	f.mu.Lock()
	f.msgs[m] = time.Now()
	f.mu.Unlock()
}

// done forgets m: it was answered (or is left to come back).
func (f *inFlight) done(m jetstream.Msg) {
	f.mu.Lock()
	delete(f.msgs, m)
	f.mu.Unlock()
}

// keep reports the messages held longer than every as in progress, every so often, until
// stop. It does so under the lock that done takes, so no report follows a verdict.
func (f *inFlight) keep(stop <-chan struct{}, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if n := f.inProgress(time.Now().Add(-every)); n > 0 {
			log.Warn("grant messages held past the longest a batch may take; let go, for another delivery", "messages", n, "held_over", f.maxHold)
		}
	}
}

// inProgress reports the messages taken before then as in progress (a publish each, which
// does not wait for the server), and lets go of those held past maxHold.
func (f *inFlight) inProgress(then time.Time) (letGo int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tooOld := time.Now().Add(-f.maxHold)
	for m, at := range f.msgs {
		switch {
		case at.Before(tooOld):
			delete(f.msgs, m)
			letGo++
		case at.Before(then):
			_ = m.InProgress()
		}
	}
	return letGo
}
