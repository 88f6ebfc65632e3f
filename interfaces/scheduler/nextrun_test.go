package scheduler

import (
	"testing"
	"time"
)

// A daily run at 02:30 in New York has none on the day the clocks skip from 02:00 to
// 03:00: the run before that day waits two days for the next, which NextRun says.
func TestNextRunAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	next := NextRun("0 30 2 * * *", ny)
	before := time.Date(2024, 3, 9, 2, 30, 0, 0, ny)
	want := time.Date(2024, 3, 11, 2, 30, 0, 0, ny)
	if got := next(before.UTC()); !got.Equal(want) {
		t.Errorf("next run after %v: %v, want %v", before, got, want)
	}
	if got := next(want).Sub(want); got != 24*time.Hour {
		t.Errorf("the run after: %v later, want 24h", got)
	}
	if NextRun(Off, ny) != nil || NextRun("every five seconds", ny) != nil {
		t.Error("off and a malformed spec have no next run")
	}
}
