package scheduler

import (
	"testing"
	"time"
)

func TestLongestGap(t *testing.T) {
	from := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		spec string
		want time.Duration
	}{
		{"*/5 * * * * *", 5 * time.Second},
		{"@every 10s", 10 * time.Second},
		{"0,10 * * * * *", 50 * time.Second}, // uneven: the longest wait counts
		{"0 0 * * * *", time.Hour},
		{Off, 0},
	} {
		got, err := LongestGap(c.spec, from)
		if err != nil || got != c.want {
			t.Errorf("LongestGap(%q) = %v, %v; want %v", c.spec, got, err, c.want)
		}
	}
	if _, err := LongestGap("every five seconds", from); err == nil {
		t.Error("a malformed schedule is an error")
	}
}
