package scheduler

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/jobs"
)

// A run that found nothing to do is logged at debug level, one that did at info.
func TestEmptyRunsAreLoggedAtDebugLevel(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slog.LevelDebug, runLevel(nil))
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"settled": 0, "undone": 0}))
	assert.Equal(t, slog.LevelInfo, runLevel(jobs.Report{"settled": 0, "undone": 2}))
}
