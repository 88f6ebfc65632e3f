package rest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// Every 503 asks the client to come back, and says when, as a draw's does.
func TestUnavailableAnswersSayWhenToRetry(t *testing.T) {
	t.Parallel()
	api := toAPIError(fmt.Errorf("blacklist u1: %w", admin.ErrNotPropagated))
	assert.Equal(t, http.StatusServiceUnavailable, api.Status)
	assert.Equal(t, "try_again", api.Code)
	assert.Equal(t, "1", api.Header.Get("Retry-After"))

	api = toAPIError(drawError(fmt.Errorf("commit: %w: deadline", draw.ErrUnavailable)))
	assert.Equal(t, [3]string{"503", "try_again", "1"}, [3]string{fmt.Sprint(api.Status), api.Code, api.Header.Get("Retry-After")})
	assert.Equal(t, "the draw could not be completed; please retry with the same Idempotency-Key, which answers with its order should it have been made", api.Message, "no internals")
}

// A refused review says which of the two reasons holds.
func TestOwnReviewRefusalsSayWhy(t *testing.T) {
	t.Parallel()
	created := activityRefusal(fmt.Errorf("%w: nobody may approve an activity they created", activity.ErrOwnReview))
	edited := activityRefusal(fmt.Errorf("%w: nobody may approve an activity they last edited", activity.ErrOwnEdit))
	assert.Contains(t, created.Message, "because you created it")
	assert.Contains(t, edited.Message, "because you made its last edit")
	assert.Equal(t, created.Details, edited.Details)
}

// A rate-limited caller is told to wait whole seconds, rounded up: one that waits what it
// is told is never early.
func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	for wait, want := range map[time.Duration]string{
		time.Millisecond: "1", time.Second: "1", 1300 * time.Millisecond: "2", 1499 * time.Millisecond: "2", 2 * time.Second: "2",
	} {
		api := toAPIError(drawError(&draw.RateLimitError{RetryAfter: wait}))
		assert.Equal(t, http.StatusTooManyRequests, api.Status)
		assert.Equal(t, want, api.Header.Get("Retry-After"), "wait %v", wait)
	}
}

// A user out of chances is told which limit ran out, in words and in details.limit; the
// other refusals of a draw speak to the user, not in the ledger's terms.
func TestDrawRefusalsSpeakToTheUser(t *testing.T) {
	t.Parallel()
	daily := toAPIError(drawError(fmt.Errorf("admit: %w", draw.ErrDailyQuotaExhausted)))
	total := toAPIError(drawError(draw.ErrQuotaExhausted))
	assert.Equal(t, [2]any{http.StatusConflict, "user_quota_exhausted"}, [2]any{daily.Status, daily.Code})
	assert.Equal(t, map[string]any{"limit": "daily"}, daily.Details)
	assert.Contains(t, daily.Message, "today")
	assert.Equal(t, [2]any{http.StatusConflict, "user_quota_exhausted"}, [2]any{total.Status, total.Code})
	assert.Equal(t, map[string]any{"limit": "total"}, total.Details)
	for err, want := range map[error]string{
		draw.ErrSoldOut: "this activity has no draws left", draw.ErrSoldOutDrawnBefore: "this activity has no draws left",
		draw.ErrBlacklisted: "you may not draw in this activity",
	} {
		api := toAPIError(drawError(err))
		assert.Equal(t, want, api.Message)
		assert.NotContains(t, api.Message, "draw:")
	}
}
