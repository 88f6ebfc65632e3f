package drawing

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Settler drops the journal entries of committed orders in batches, off the request path:
// a draw costs one ledger round trip, not two. An entry that is never settled (crash, full
// queue) is found by admission recovery, which sees its order in SQL and drops it then.
type Settler struct {
	ledger draw.Ledger
	queue  chan draw.Settlement
	log    *slog.Logger
	done   chan struct{}
	once   sync.Once
	// closing guards queue against a send after Close: an order committed as the server
	// stops leaves its entry to recovery instead of panicking.
	closing sync.RWMutex
	closed  bool
}

// NewSettler starts the background loop; Close flushes and stops it.
func NewSettler(l draw.Ledger, log *slog.Logger) *Settler {
	s := &Settler{ledger: l, queue: make(chan draw.Settlement, 1<<16), log: log, done: make(chan struct{})}
	go s.loop()
	return s
}

// Add queues one settlement without blocking; after Close it drops it.
func (s *Settler) Add(st draw.Settlement) {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return
	}
	select {
	case s.queue <- st:
	default:
	}
}

func (s *Settler) loop() {
	defer close(s.done)
	batch := make([]draw.Settlement, 0, 1024)
	for st := range s.queue {
		batch = append(batch[:0], st)
	drain:
		for len(batch) < cap(batch) {
			select {
			case more, ok := <-s.queue:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.ledger.Settle(ctx, batch); err != nil {
			s.log.Warn("settle journal entries", "count", len(batch), "err", err)
		}
		cancel()
	}
}

// Close settles what is queued and stops.
func (s *Settler) Close() {
	s.once.Do(func() {
		s.closing.Lock()
		s.closed = true
		close(s.queue)
		s.closing.Unlock()
	})
	<-s.done
}
