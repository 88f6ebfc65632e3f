package draw

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestAdmissionValidate(t *testing.T) {
	valid := Admission{OrderID: 1, ActivityID: 2, UserID: "u", Day: "2025-06-01",
		Candidates: []Candidate{{PrizeID: 3, DailyQuota: 1}, {PrizeID: 0}}}
	tests := []struct {
		name   string
		change func(*Admission)
		ok     bool
	}{
		{"valid", func(*Admission) {}, true},
		{"no order id", func(a *Admission) { a.OrderID = 0 }, false},
		{"no activity", func(a *Admission) { a.ActivityID = -1 }, false},
		{"no user", func(a *Admission) { a.UserID = "" }, false},
		{"bad day", func(a *Admission) { a.Day = "2025-6-1" }, false},
		{"no candidates", func(a *Admission) { a.Candidates = nil }, false},
		{"negative prize", func(a *Admission) { a.Candidates = []Candidate{{PrizeID: -1}} }, false},
		{"negative quota", func(a *Admission) { a.Candidates = []Candidate{{PrizeID: 1, DailyQuota: -1}} }, false},
		{"negative limit", func(a *Admission) { a.PerUserDaily = -1 }, false},
		{"negative rate", func(a *Admission) { a.Rate.PerIP = -1 }, false},
		{"rate limited", func(a *Admission) { a.Rate = RateLimit{PerUser: 2, PerIP: 50, Burst: 5} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid
			a.Candidates = append([]Candidate(nil), valid.Candidates...)
			tt.change(&a)
			if err := a.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestErrorsMatch(t *testing.T) {
	var err error = fmt.Errorf("draw: %w", &RateLimitError{RetryAfter: 1500 * time.Millisecond})
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("%v is not ErrRateLimited", err)
	}
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 1500*time.Millisecond {
		t.Fatalf("errors.As(%v) = %v", err, rl)
	}

	err = fmt.Errorf("draw: %w", &DuplicateError{OrderID: 1<<62 + 1})
	var dup *DuplicateError
	if !errors.As(err, &dup) || dup.OrderID != 1<<62+1 {
		t.Fatalf("errors.As(%v) = %v", err, dup)
	}
	if errors.Is(err, ErrRateLimited) {
		t.Fatalf("a duplicate is not a rate limit")
	}
}

func TestAdmittedWon(t *testing.T) {
	if (Admitted{}).Won() || !(Admitted{PrizeID: 9}).Won() {
		t.Fatal("Won must mean a prize id other than 0")
	}
}

func TestLeftTodayNeverExceedsLeftInAll(t *testing.T) {
	for _, c := range []struct{ total, today, want int64 }{
		{-1, -1, -1}, // no limits
		{-1, 2, 2},   // a daily limit only
		{4, -1, -1},  // a total limit only: no daily limit, as before
		{0, -1, 0},   // ... until nothing is left in all
		{1, 2, 1},    // one chance left in all, two today
		{0, 1, 0},
		{3, 1, 1},
	} {
		if got := LeftToday(c.total, c.today); got != c.want {
			t.Errorf("LeftToday(%d, %d) = %d, want %d", c.total, c.today, got, c.want)
		}
	}
}

func TestDayBefore(t *testing.T) {
	for day, want := range map[string]string{
		"2026-03-01": "2026-02-28", "2024-03-01": "2024-02-29", "2026-01-01": "2025-12-31",
		"2026-11-24": "2026-11-23", "24/11/2026": "", "": "",
	} {
		if got := DayBefore(day); got != want {
			t.Errorf("DayBefore(%q) = %q, want %q", day, got, want)
		}
	}
}
