package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Undo implements draw.Ledger. It is a no-op for an admission already settled or undone,
// and only drops the journal entry when the counters were reloaded since (see undo.lua).
func (l *Ledger) Undo(ctx context.Context, a draw.Admission, ad draw.Admitted) error {
	if ad.JournalID == "" {
		return nil
	}
	err := l.undo(ctx, draw.JournalEntry{
		ActivityID:     a.ActivityID,
		OrderID:        a.OrderID,
		JournalID:      ad.JournalID,
		UserID:         a.UserID,
		Day:            a.Day,
		PrizeID:        ad.PrizeID,
		Epoch:          ad.Epoch,
		IdempotencyKey: a.IdempotencyKey,
	})
	if err != nil {
		return fmt.Errorf("undo order %d: %w", a.OrderID, err)
	}
	return nil
}

func (l *Ledger) undo(ctx context.Context, e draw.JournalEntry) error {
	k := l.keys(e.ActivityID)
	idemKey, hasIdem := k.journal(), "0" // stand-in, never touched without a key
	if e.IdempotencyKey != "" {
		idemKey, hasIdem = k.idem(e.UserID, e.IdempotencyKey), "1"
	}
	won := "0"
	if e.PrizeID != 0 {
		won = "1"
	}
	keys := []string{
		k.journal(), k.epoch(), idemKey, k.stock(), k.userTotal(), k.userDay(e.Day),
		k.pool(e.PrizeID), k.prizeDay(e.PrizeID, e.Day),
	}
	err := undoScript.Run(ctx, l.client, keys,
		e.JournalID, e.Epoch, e.UserID, strconv.FormatInt(e.OrderID, 10), hasIdem, won).Err()
	if err != nil {
		return fmt.Errorf("%w: %w", draw.ErrUnavailable, err)
	}
	return nil
}

// Settle implements draw.Ledger: one XDEL per activity, all in one pipeline.
func (l *Ledger) Settle(ctx context.Context, done []draw.Settlement) error {
	if len(done) == 0 {
		return nil
	}
	ids := make(map[int64][]string)
	for _, s := range done {
		ids[s.ActivityID] = append(ids[s.ActivityID], s.JournalID)
	}
	_, err := l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for activityID, jids := range ids {
			p.XDel(ctx, l.keys(activityID).journal(), jids...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("settle %d admissions: %w: %w", len(done), draw.ErrUnavailable, err)
	}
	return nil
}

// Recover resolves an entry left by a crash between admission and commit: a committed
// order only needs its entry dropped; a missing one gets its admission undone.
func (l *Ledger) Recover(ctx context.Context, e draw.JournalEntry, orderExists bool) error {
	if orderExists {
		err := l.Settle(ctx, []draw.Settlement{{ActivityID: e.ActivityID, JournalID: e.JournalID}})
		if err != nil {
			return fmt.Errorf("recover order %d: %w", e.OrderID, err)
		}
		return nil
	}
	if err := l.undo(ctx, e); err != nil {
		return fmt.Errorf("recover order %d: %w", e.OrderID, err)
	}
	return nil
}

// pendingPage is how many entries one XRANGE reads.
const pendingPage = 500

// Pending lists the journal entries of every loaded activity admitted more than olderThan
// ago by the server's clock, oldest first per activity; every entry when olderThan is 0
// (also those stamped after the server's clock, should it have stepped back).
func (l *Ledger) Pending(ctx context.Context, olderThan time.Duration) ([]draw.JournalEntry, error) {
	end := "+"
	if olderThan > 0 {
		now, err := l.client.Time(ctx).Result()
		if err != nil {
			return nil, fmt.Errorf("pending: server time: %w: %w", draw.ErrUnavailable, err)
		}
		end = strconv.FormatInt(now.Add(-olderThan).UnixMilli(), 10)
	}
	members, err := l.client.SMembers(ctx, l.activities).Result()
	if err != nil {
		return nil, fmt.Errorf("pending: activities: %w: %w", draw.ErrUnavailable, err)
	}
	var out []draw.JournalEntry
	for _, m := range members {
		activityID, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue // not written by this package
		}
		out, err = l.pendingOf(ctx, activityID, end, out)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *Ledger) pendingOf(ctx context.Context, activityID int64, end string, out []draw.JournalEntry) ([]draw.JournalEntry, error) {
	key := l.keys(activityID).journal()
	start := "-"
	for {
		msgs, err := l.client.XRangeN(ctx, key, start, end, pendingPage).Result()
		if err != nil {
			return nil, fmt.Errorf("pending: activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
		}
		for _, m := range msgs {
			out = append(out, journalEntry(activityID, m))
		}
		if len(msgs) < pendingPage {
			return out, nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// journalEntry decodes the fields admit.lua writes. A field that does not parse stays
// zero; recovery of such an entry can then only drop it, which is what it deserves.
func journalEntry(activityID int64, m redis.XMessage) draw.JournalEntry {
	str := func(name string) string { s, _ := m.Values[name].(string); return s }
	e := draw.JournalEntry{
		ActivityID:     activityID,
		JournalID:      m.ID,
		UserID:         str("u"),
		Day:            str("d"),
		Epoch:          str("e"),
		IdempotencyKey: str("k"),
	}
	e.OrderID, _ = strconv.ParseInt(str("o"), 10, 64)
	e.PrizeID, _ = strconv.ParseInt(str("p"), 10, 64)
	if ms, _, ok := strings.Cut(m.ID, "-"); ok {
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			e.At = time.UnixMilli(n)
		}
	}
	return e
}
