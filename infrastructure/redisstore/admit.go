package redisstore

import (
	"context"
	"errors"
	"fmt"
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
	c := &admitCall{a: a, res: make(chan admitResult, 1)}
	c.keys, c.args = l.admitArgs(a)
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
		c = &admitCall{a: a, keys: c.keys, args: c.args, res: make(chan admitResult, 1)}
	}
}

// admitArgs lays out one admission's KEYS and ARGV as admit.lua documents them, as the
// values of a command's arguments. A key the script will not touch (no idempotency key,
// no rate limit) is stood in for by one it has anyway.
func (l *Ledger) admitArgs(a draw.Admission) ([]any, []any) {
	k := l.hotKeys(a.ActivityID)
	day, userDay := k.forDay(a.Day)
	keys := make([]any, 9, 9+2*len(a.Candidates))
	keys[0] = k.epoch
	keys[1] = k.journal
	if a.IdempotencyKey != "" {
		keys[1] = k.idem(a.UserID, a.IdempotencyKey)
	}
	userIv, ipIv := intervalMicros(a.Rate.PerUser), intervalMicros(a.Rate.PerIP)
	if a.ClientIP == "" {
		ipIv = 0
	}
	keys[2], keys[3] = k.journal, k.journal
	if userIv > 0 {
		keys[2] = k.rateUser(a.UserID)
	}
	if ipIv > 0 {
		keys[3] = k.rateIP(a.ClientIP)
	}
	keys[4] = k.blacklist
	keys[5] = k.stock
	keys[6] = k.userTotal
	keys[7] = userDay
	keys[8] = k.journal

	args := make([]any, 11, 11+2*len(a.Candidates))
	args[0] = strconv.FormatInt(a.OrderID, 10)
	args[1] = a.UserID
	args[2] = day
	args[3] = a.PerUserTotal
	args[4] = a.PerUserDaily
	args[5] = a.IdempotencyKey
	args[6] = l.idemTTL
	args[7] = userIv
	args[8] = ipIv
	args[9] = max(a.Rate.Burst, 1)
	args[10] = l.dayTTL
	for _, c := range a.Candidates {
		id, pool, prizeDay := k.forPrize(c.PrizeID, a.Day)
		keys = append(keys, pool, prizeDay)
		args = append(args, id, c.DailyQuota)
	}
	return keys, args
}

// intervalMicros turns a rate per second into GCRA's emission interval; 0 disables.
func intervalMicros(perSecond float64) int64 {
	if perSecond <= 0 {
		return 0
	}
	return max(int64(1e6/perSecond), 1)
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
	case replyTotalReached, replyDailyReached:
		return draw.Admitted{}, draw.ErrQuotaExhausted
	case replySoldOut:
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
