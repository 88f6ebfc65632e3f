package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Reply codes of admit.lua.
const (
	replyAdmitted = iota
	replyNotLoaded
	replyDuplicate
	replyRateLimited
	replyBlacklisted
	replyTotalReached
	replyDailyReached
	replySoldOut
)

// loadAttempts bounds how often one admission reloads its activity: a second miss right
// after a completed load means someone invalidated it again, a third is a real fault.
const loadAttempts = 3

// Admit implements draw.Ledger. Refusals come back as the bare sentinels and typed errors
// of package draw (a sold-out flood should not allocate a message per request); failures
// of Redis or of a load wrap draw.ErrUnavailable.
func (l *Ledger) Admit(ctx context.Context, a draw.Admission) (draw.Admitted, error) {
	if err := a.Validate(); err != nil {
		return draw.Admitted{}, err
	}
	c := l.newCall(a)
	for attempt := 1; ; attempt++ {
		sent := time.Now()
		reply, err := l.submit(ctx, c)
		if err != nil {
			return draw.Admitted{}, fmt.Errorf("admit order %d: %w: %w", a.OrderID, draw.ErrUnavailable, err)
		}
		ad, err := decodeAdmit(reply)
		if !errors.Is(err, draw.ErrNotLoaded) {
			ad.At = sent
			return ad, err
		}
		if attempt == loadAttempts {
			return draw.Admitted{}, fmt.Errorf("admit order %d: activity %d: %w: %w", a.OrderID, a.ActivityID, draw.ErrUnavailable, err)
		}
		if err := l.ensureLoaded(ctx, a.ActivityID, a.Day); err != nil {
			return draw.Admitted{}, fmt.Errorf("admit order %d: %w", a.OrderID, err)
		}
		c = &admitCall{a: a, hot: c.hot, args: c.args, res: make(chan admitResult, 1)}
	}
}

// newCall prepares one admission for the batcher.
func (l *Ledger) newCall(a draw.Admission) *admitCall {
	k := l.hotKeys(a.ActivityID)
	return &admitCall{a: a, hot: k, args: l.admitArgs(k, a), res: make(chan admitResult, 1)}
}

// admitArgs lays out one admission's arguments as admit.lua documents them, as the
// values of a command's arguments, with a keyRef where the script wants a key's index:
// evalArgs names each key of a script call once.
func (l *Ledger) admitArgs(k *hotKeys, a draw.Admission) []any {
	day, userDay := k.forDay(a.Day)
	args := make([]any, 0, 15+4*len(a.Candidates))
	var idem any = 0
	if a.IdempotencyKey != "" {
		idem = keyRef{k.idem(a.UserID, a.IdempotencyKey)}
	}
	args = append(args, strconv.FormatInt(a.OrderID, 10), a.UserID, day,
		a.PerUserTotal, a.PerUserDaily, a.IdempotencyKey, idem, userDay)
	args = l.appendRate(args, k, a)
	args = append(args, len(a.Candidates))
	for _, c := range a.Candidates {
		if c.PrizeID == 0 { // "no prize" ends the walk: it has no keys
			args = append(args, "0", c.DailyQuota, 0, 0)
			continue
		}
		id, pool, prizeDay := k.forPrize(c.PrizeID, a.Day)
		args = append(args, id, c.DailyQuota, pool, prizeDay)
	}
	return args
}

// appendRate appends an admission's rate limit: "0" for none, or "1" and its intervals,
// burst and keys.
func (l *Ledger) appendRate(args []any, k *hotKeys, a draw.Admission) []any {
	userIv, ipIv := intervalMicros(a.Rate.PerUser), intervalMicros(a.Rate.PerIP)
	if a.ClientIP == "" {
		ipIv = 0
	}
	if userIv == 0 && ipIv == 0 {
		return append(args, "0")
	}
	var userKey, ipKey any = 0, 0
	if userIv > 0 {
		userKey = keyRef{k.rateUser(a.UserID)}
	}
	if ipIv > 0 {
		ipKey = keyRef{k.rateIP(rateLimitedAddr(a.ClientIP))}
	}
	return append(args, "1", userIv, ipIv, max(a.Rate.Burst, 1), userKey, ipKey)
}

// rateLimitedAddr is what the per-IP rate limit counts a client by: its IPv4 address, or
// the /64 network of an IPv6 one (a single subscriber's usual allocation, whose addresses
// it can rotate at will).
func rateLimitedAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// keyRef stands, in an admission's arguments, for one of its keys; the script call
// passes the key in KEYS and its index here.
type keyRef struct{ name any }

// intervalMicros turns a rate per second into GCRA's emission interval; 0 disables.
func intervalMicros(perSecond float64) int64 {
	if perSecond <= 0 {
		return 0
	}
	return int64(min(max(1e6/perSecond, 1), 1e15)) // 1e15 µs: once in 31 years
}

func decodeAdmit(reply []any) (draw.Admitted, error) {
	if len(reply) == 0 {
		return draw.Admitted{}, fmt.Errorf("admit: empty reply")
	}
	code, _ := reply[0].(int64)
	switch code {
	case replyAdmitted:
		return decodeAdmitted(reply)
	case replyNotLoaded:
		return draw.Admitted{}, draw.ErrNotLoaded
	case replyDuplicate:
		if len(reply) < 2 {
			break
		}
		s, _ := reply[1].(string)
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return draw.Admitted{}, fmt.Errorf("admit: duplicate of order %q: %w", s, err)
		}
		return draw.Admitted{}, &draw.DuplicateError{OrderID: id}
	case replyRateLimited:
		if len(reply) < 2 {
			break
		}
		ms, _ := reply[1].(int64)
		return draw.Admitted{}, &draw.RateLimitError{RetryAfter: time.Duration(ms) * time.Millisecond}
	case replyBlacklisted:
		return draw.Admitted{}, draw.ErrBlacklisted
	case replyTotalReached:
		return draw.Admitted{}, draw.ErrQuotaExhausted
	case replyDailyReached:
		return draw.Admitted{}, draw.ErrDailyQuotaExhausted
	case replySoldOut:
		if len(reply) > 1 {
			if drawn, _ := reply[1].(int64); drawn > 0 {
				return draw.Admitted{}, draw.ErrSoldOutDrawnBefore
			}
		}
		return draw.Admitted{}, draw.ErrSoldOut
	}
	return draw.Admitted{}, fmt.Errorf("admit: unexpected reply %v", reply)
}

func decodeAdmitted(reply []any) (draw.Admitted, error) {
	if len(reply) < 6 {
		return draw.Admitted{}, fmt.Errorf("admit: short reply %v", reply)
	}
	prize, err := parseID(reply[1])
	if err != nil {
		return draw.Admitted{}, fmt.Errorf("admit: prize: %w", err)
	}
	ad := draw.Admitted{PrizeID: prize}
	ad.Epoch, _ = reply[2].(string)
	ad.JournalID, _ = reply[3].(string)
	ad.LeftTotal, _ = reply[4].(int64)
	ad.LeftToday, _ = reply[5].(int64)
	if len(reply) > 6 {
		ad.EmptyPrizes = make([]int64, 0, len(reply)-6)
		for _, v := range reply[6:] {
			id, err := parseID(v)
			if err != nil {
				return draw.Admitted{}, fmt.Errorf("admit: empty prize: %w", err)
			}
			ad.EmptyPrizes = append(ad.EmptyPrizes, id)
		}
	}
	return ad, nil
}

func parseID(v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("id %v is %T, want string", v, v)
	}
	return strconv.ParseInt(s, 10, 64)
}
