package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
)

type republisher struct{ sent, failed int }

func (r republisher) Compensate(context.Context, time.Duration) (int, int, error) {
	return r.sent, r.failed, nil
}

type backlog struct {
	n      int64
	oldest time.Time
}

func (b backlog) Backlog(context.Context) (int64, time.Time, error) { return b.n, b.oldest, nil }

// The outbox job reports what it republished and what still waits, and since when.
func TestOutboxReportsItsBacklog(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	job := &jobs.Outbox{Relay: republisher{sent: 3, failed: 1}, Backlog: backlog{n: 40, oldest: now.Add(-90 * time.Second)},
		Now: func() time.Time { return now }}
	rep, err := job.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"republished": 3, "failed": 1, "backlog": 40, "oldest_seconds": 90}, rep)

	job.Backlog = backlog{}
	rep, err = job.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"republished": 3, "failed": 1, "backlog": 0, "oldest_seconds": 0}, rep)
}
