package rest

import (
	"time"

	"github.com/lottery-go/lottery/domain/user"
)

// blacklistRequest is the optional body of PUT /admin/blacklist/{user_id}; a reason left
// out keeps a listed user's.
type blacklistRequest struct {
	Reason *string `json:"reason"`
}

type blacklistResponse struct {
	UserID    string    `json:"user_id"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

func blacklistJSON(e user.Entry) blacklistResponse {
	return blacklistResponse{UserID: e.UserID, Reason: e.Reason, CreatedAt: e.CreatedAt.UTC()}
}
