package drawing

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/lottery-go/lottery/domain/draw"
)

// settleCounter is a ledger that counts the entries it is asked to settle.
type settleCounter struct {
	draw.Ledger
	mu sync.Mutex
	n  int
}

func (l *settleCounter) Settle(_ context.Context, s []draw.Settlement) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += len(s)
	return nil
}

// Orders committed while the server stops hand their settlements to a settler that may
// be closing: those after Close are left to recovery, and nothing panics.
func TestSettlerTakesAddsWhileAndAfterClosing(t *testing.T) {
	t.Parallel()
	l := &settleCounter{}
	s := NewSettler(l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				s.Add(draw.Settlement{})
			}
		})
	}
	s.Close()
	wg.Wait()
	l.mu.Lock()
	settled := l.n
	l.mu.Unlock()
	s.Add(draw.Settlement{})
	s.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n != settled {
		t.Fatalf("a settlement added after Close was settled (%d, then %d)", settled, l.n)
	}
}
