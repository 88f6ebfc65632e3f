package messaging

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// GrantEvent is the message that asks a granter to deliver a won order's award. The order
// id is also the JetStream message id, so a republished event is de-duplicated.
type GrantEvent struct {
	OrderID    string    `json:"order_id"`
	ActivityID string    `json:"activity_id"`
	UserID     string    `json:"user_id"`
	AwardID    string    `json:"award_id"`
	Kind       string    `json:"kind"`
	CreatedAt  time.Time `json:"created_at"`
}

// GrantSubject is where grants of one award kind travel: PREFIX.grant.KIND.
func GrantSubject(prefix, kind string) string { return prefix + ".grant." + kind }

// GrantEncoder returns the outbox encoder for orders: subject by award kind, JSON payload.
func GrantEncoder(prefix string) func(o draw.Order) (string, []byte) {
	return func(o draw.Order) (string, []byte) {
		payload, _ := json.Marshal(GrantEvent{
			OrderID: strconv.FormatInt(o.ID, 10), ActivityID: strconv.FormatInt(o.ActivityID, 10),
			UserID: o.UserID, AwardID: strconv.FormatInt(o.AwardID, 10), Kind: o.AwardKind,
			CreatedAt: o.CreatedAt.UTC(),
		})
		return GrantSubject(prefix, o.AwardKind), payload
	}
}
