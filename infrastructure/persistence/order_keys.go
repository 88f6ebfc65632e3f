package persistence

import (
	"context"
	"fmt"
	"strings"

	"github.com/lottery-go/lottery/domain/draw"
)

// errDuplicate is the answer to a write that repeats a unique key of another order: its
// (user, Idempotency-Key), found by withoutTakenKeys or by the INSERT, or its id.
var errDuplicate = fmt.Errorf("%w: %w", draw.ErrNotWritten, draw.ErrDuplicateKey)

// withoutTakenKeys answers the requests whose (user, key) an earlier request of the batch
// or an order in SQL already has, and returns the others, in place; ok is false when SQL
// could not be asked. One read instead of halving the batch: a key used again across
// activities, or after Redis forgot it, costs the batch one failed and one good commit.
func (w *OrderWriter) withoutTakenKeys(reqs []*writeRequest) (rest []*writeRequest, ok bool) {
	taken, err := w.takenKeys(reqs)
	if err != nil {
		return reqs, false
	}
	rest = reqs[:0]
	for _, r := range reqs {
		if k := orderKey(r.order); k != (userKey{}) {
			if taken[k] {
				r.result <- errDuplicate
				continue
			}
			taken[k] = true // a later request of the batch with the same key
		}
		rest = append(rest, r)
	}
	return rest, true
}

type userKey struct{ user, key string }

func orderKey(o draw.Order) userKey {
	if o.IdempotencyKey == "" {
		return userKey{}
	}
	return userKey{o.UserID, o.IdempotencyKey}
}

// takenKeys reads which of the requests' (user, key) pairs have orders in SQL.
func (w *OrderWriter) takenKeys(reqs []*writeRequest) (map[userKey]bool, error) {
	var sb strings.Builder
	args := make([]any, 0, 2*len(reqs))
	sb.WriteString("SELECT user_id, idempotency_key FROM orders WHERE ")
	for _, r := range reqs {
		if k := orderKey(r.order); k != (userKey{}) {
			if len(args) > 0 {
				sb.WriteString(" OR ")
			}
			sb.WriteString("(user_id = ? AND idempotency_key = ?)")
			args = append(args, k.user, k.key)
		}
	}
	taken := map[userKey]bool{}
	if len(args) == 0 {
		return taken, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.AttemptTimeout)
	defer cancel()
	rows, err := w.db.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k userKey
		if err := rows.Scan(&k.user, &k.key); err != nil {
			return nil, err
		}
		taken[k] = true
	}
	return taken, rows.Err()
}
