package scheduler

import "time"

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
