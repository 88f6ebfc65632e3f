package scheduler

import (
	"fmt"
	"time"
)

// gapRuns is how many of a schedule's next runs LongestGap looks at.
const gapRuns = 64

// LongestGap is the longest wait between two of the schedule's next runs after from: how
// late a job on it may notice that something fell due. Off has none (0).
func LongestGap(spec string, from time.Time) (time.Duration, error) {
	if spec == Off {
		return 0, nil
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return 0, fmt.Errorf("schedule %q: %w", spec, err)
	}
	var longest time.Duration
	prev := s.Next(from)
	for range gapRuns {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		longest = max(longest, next.Sub(prev))
		prev = next
	}
	return longest, nil
}

// NextRun returns when a job on spec runs next after a given time, as the scheduler sees
// it in loc (the zone its runs follow: time.Local for New's); nil for Off or a malformed
// spec, which fails when scheduled.
func NextRun(spec string, loc *time.Location) func(after time.Time) time.Time {
	if spec == Off {
		return nil
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil
	}
	return func(after time.Time) time.Time { return s.Next(after.In(loc)) }
}
