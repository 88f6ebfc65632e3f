package granting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// Breaker settings: a merchant whose webhook fails tripAfter calls in a row is not called
// for firstPause, then once (a probe); each probe that fails doubles the pause, up to
// longestPause. One good answer closes it again.
const (
	tripAfter    = 5
	firstPause   = 30 * time.Second
	longestPause = 5 * time.Minute
)

// breakers keep a merchant that hangs or fails from holding up every other merchant's
// coupons. A grant waits for all the grants of its batch, and a batch for its slowest
// webhook: without them, every call to a merchant that hangs costs the whole timeout,
// and thousands of its wins queued at once stall every grant behind them for minutes.
// With them, a failing merchant costs tripAfter calls, then one probe per pause; the
// grants it is not called for are not tried (award.NotTried) and come back when it may be
// called again, as does the grant of a probe that fails: a merchant's outage uses up no
// grant's attempts but those of the calls that paused it. A merchant is the scheme, host
// and port of the webhook's address, in this process.
type breakers struct {
	mu       sync.Mutex
	of       map[string]*breaker
	now      func() time.Time
	probeFor time.Duration // the longest a probe takes: one call's timeout
	log      *slog.Logger
}

// breaker is one merchant's state.
type breaker struct {
	failures int       // calls failed in a row
	last     string    // why the last one failed
	until    time.Time // no call before then, once failures reach tripAfter; while probing, the probe's end at the latest
	pause    time.Duration
	probing  bool // a probe is under way: no other call until it ends
}

func newBreakers(now func() time.Time, probeFor time.Duration, log *slog.Logger) *breakers {
	return &breakers{of: map[string]*breaker{}, now: now, probeFor: probeFor, log: log}
}

// ErrMerchantPaused: the merchant's webhook failed too often of late, so this grant did
// not call it; the grant is tried again once the merchant may be called, and this counts
// as none of its attempts (the error is an *award.NotTried).
var ErrMerchantPaused = errors.New("the merchant's webhook is paused after failing")

// enter says whether a call to the merchant may go ahead: when not, an *award.NotTried
// wrapping ErrMerchantPaused, due when the pause ends (or the probe under way does). A
// call that goes ahead must be ended by done.
func (bs *breakers) enter(merchant string) error {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.of[merchant]
	if b == nil || b.failures < tripAfter {
		return nil
	}
	now := bs.now()
	if b.probing || now.Before(b.until) {
		at := b.until
		if at.Before(now) { // a probe taking longer than its timeout: soon
			at = now.Add(bs.probeFor)
		}
		return &award.NotTried{At: at, Err: fmt.Errorf("%w: %s not called: its last %d calls failed, the last with %s; it is tried again at %s",
			ErrMerchantPaused, merchant, b.failures, b.last, at.UTC().Format(time.RFC3339))}
	}
	b.probing = true
	b.until = now.Add(bs.probeFor)
	return nil
}

// done records how a call entered ended: failed is why it failed ("" when the merchant
// answered, whatever it said); aborted, a call cut short by this process, counts neither
// way. When the call was a probe that failed, it says until when the merchant stays
// paused: the probe tested the merchant, not the grant, which is not counted an attempt.
func (bs *breakers) done(merchant, failed string, aborted bool) (pausedUntil time.Time, probeFailed bool) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.of[merchant]
	if b == nil {
		if aborted || failed == "" {
			return time.Time{}, false
		}
		b = &breaker{}
		bs.of[merchant] = b
	}
	probe := b.probing
	b.probing = false
	switch {
	case aborted:
	case failed == "":
		if b.failures >= tripAfter {
			bs.log.Info("merchant webhook answers again; calls resume", "merchant", merchant)
		}
		delete(bs.of, merchant)
	default:
		bs.failed(merchant, b, failed, probe)
		return b.until, probe
	}
	return time.Time{}, false
}

// failed counts a failure and opens the breaker, or keeps it open for longer after a
// failed probe.
func (bs *breakers) failed(merchant string, b *breaker, why string, probe bool) {
	b.failures++
	b.last = why
	switch {
	case probe:
		b.pause = min(2*b.pause, longestPause)
	case b.failures == tripAfter:
		b.pause = firstPause
	default:
		return
	}
	b.until = bs.now().Add(b.pause)
	bs.log.Warn("merchant webhook failing; its coupons wait and it is called again once the pause ends",
		"merchant", merchant, "failed_in_a_row", b.failures, "last_error", why, "pause", b.pause)
}

// merchantOf is the scheme, host and port of a webhook's address.
func merchantOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	host := strings.ToLower(u.Host)
	if u.Port() == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			host += ":443"
		case "http":
			host += ":80"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + host
}

// abortedBy tells a call cut short by ctx (this process stopping) from a merchant's fault.
func abortedBy(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}
