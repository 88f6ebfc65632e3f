package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// JournalState tells whether an activity has draws in flight and when it last admitted one.
type JournalState struct {
	// Pending is the admissions journaled and neither settled nor undone yet.
	Pending int64
	// LastAdmission is when the newest admission was journaled; zero when none ever was.
	// It survives the entry's removal: a stream remembers its last id.
	LastAdmission time.Time
	// Now is the Redis server's clock, the one that stamped LastAdmission.
	Now time.Time
}

// JournalState reads the activity's journal (XINFO STREAM) and the server's clock.
func (l *Ledger) JournalState(ctx context.Context, activityID int64) (JournalState, error) {
	now, err := l.client.Time(ctx).Result()
	if err != nil {
		return JournalState{}, fmt.Errorf("journal of activity %d: time: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	st := JournalState{Now: now}
	reply, err := l.client.Do(ctx, "XINFO", "STREAM", l.keys(activityID).journal()).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return st, nil // never admitted anything
		}
		return st, fmt.Errorf("journal of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	fields := streamInfoFields(reply)
	st.Pending, _ = fields["length"].(int64)
	if id, ok := fields["last-generated-id"].(string); ok {
		if ms, _, ok := strings.Cut(id, "-"); ok {
			if n, err := strconv.ParseInt(ms, 10, 64); err == nil && n > 0 {
				st.LastAdmission = time.UnixMilli(n)
			}
		}
	}
	return st, nil
}

// streamInfoFields flattens the XINFO STREAM reply, a map under RESP3 and a flat
// name-value array under RESP2.
func streamInfoFields(reply any) map[string]any {
	out := map[string]any{}
	switch r := reply.(type) {
	case map[any]any:
		for k, v := range r {
			if name, ok := k.(string); ok {
				out[name] = v
			}
		}
	case []any:
		for i := 0; i+1 < len(r); i += 2 {
			if name, ok := r[i].(string); ok {
				out[name] = r[i+1]
			}
		}
	}
	return out
}

// Loaded lists the activities that have been loaded into this Redis (their counters may
// have been invalidated since).
func (l *Ledger) Loaded(ctx context.Context) ([]int64, error) {
	members, err := l.client.SMembers(ctx, l.activities).Result()
	if err != nil {
		return nil, fmt.Errorf("loaded activities: %w: %w", draw.ErrUnavailable, err)
	}
	out := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}
