package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
)

type republisher struct {
	sent, failed int
	err          error
}

func (r republisher) Compensate(context.Context, time.Duration) (int, int, error) {
	return r.sent, r.failed, r.err
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

// While the stream is unreachable the backlog is still measured: it is what an alert
// watches grow during the outage.
func TestOutboxMeasuresItsBacklogWhileTheStreamIsAway(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	away := errors.New("nats: not connected")
	job := &jobs.Outbox{Relay: republisher{err: away}, Backlog: backlog{n: 7, oldest: now.Add(-time.Minute)},
		Now: func() time.Time { return now }}
	rep, err := job.Run(context.Background())
	require.ErrorIs(t, err, away)
	assert.Equal(t, jobs.Report{"republished": 0, "failed": 0, "backlog": 7, "oldest_seconds": 60}, rep)
}
