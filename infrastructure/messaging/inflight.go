package messaging

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// inFlight keeps the deliveries a consumer has taken but not yet answered. JetStream
// redelivers a message left unacknowledged for the ack wait (the first backoff) and counts
// that as a delivery, though no worker may have tried it yet: it waited behind slow grants
// in the process's queue. So every message held for longer than a third of the ack wait
// is reported in progress, every third of the ack wait, and an attempt is only counted
// when a worker answered.
type inFlight struct {
	mu   sync.Mutex
	msgs map[jetstream.Msg]time.Time
}

func newInFlight() *inFlight { return &inFlight{msgs: make(map[jetstream.Msg]time.Time)} }

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
func (f *inFlight) keep(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		f.inProgress(time.Now().Add(-every))
	}
}

// inProgress reports the messages taken before then as in progress (a publish each, which
// does not wait for the server).
func (f *inFlight) inProgress(then time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for m, at := range f.msgs {
		if at.Before(then) {
			_ = m.InProgress()
		}
	}
}
