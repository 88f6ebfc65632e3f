package messaging

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// GrantEvent is the message that asks a granter to deliver a won order's award. Its
// JetStream message id is derived from the order id and the payload (messageID), so a
// republished event is de-duplicated.
type GrantEvent struct {
	OrderID    string    `json:"order_id"`
	ActivityID string    `json:"activity_id"`
	UserID     string    `json:"user_id"`
	AwardID    string    `json:"award_id"`
	Kind       string    `json:"kind"`
	CreatedAt  time.Time `json:"created_at"`
	// ReopenedAt marks the event of a failed grant sent again: a new event, whose message
	// id differs from the first one's, which JetStream may still remember.
	ReopenedAt time.Time `json:"reopened_at,omitzero"`
}

// WaitingSince is when the event's grant began to wait: its win, or, for a failed grant
// sent again, the time it was sent.
func (e GrantEvent) WaitingSince() time.Time { return latest(e.CreatedAt, e.ReopenedAt) }

// GrantSubject is where grants of one award kind travel: PREFIX.grant.KIND.
func GrantSubject(prefix, kind string) string { return prefix + ".grant." + kind }

// GrantEncoder returns the outbox encoder for orders: subject by award kind, JSON payload.
func GrantEncoder(prefix string) func(o draw.Order) (string, []byte) {
	return func(o draw.Order) (string, []byte) {
		return GrantSubject(prefix, o.AwardKind), encodeGrant(o, time.Time{})
	}
}

// ReopenedGrantEncoder returns the encoder of a failed grant's event sent again at a time.
func ReopenedGrantEncoder(prefix string) func(o draw.Order, at time.Time) (string, []byte) {
	return func(o draw.Order, at time.Time) (string, []byte) {
		return GrantSubject(prefix, o.AwardKind), encodeGrant(o, at.UTC())
	}
}

func encodeGrant(o draw.Order, reopenedAt time.Time) []byte {
	payload, _ := json.Marshal(GrantEvent{
		OrderID: strconv.FormatInt(o.ID, 10), ActivityID: strconv.FormatInt(o.ActivityID, 10),
		UserID: o.UserID, AwardID: strconv.FormatInt(o.AwardID, 10), Kind: o.AwardKind,
		CreatedAt: o.CreatedAt.UTC(), ReopenedAt: reopenedAt,
	})
	return payload
}
