package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
)

// instance is one server process's draw engine, built by the production wiring.
type instance struct {
	sys *system
	eng *engine
}

// The instance runs the api and granter roles; the scheduled jobs have suites of their own
// and would act on these activities on their own timers.
func newInstance(t testing.TB, cfg config.Config) *instance {
	t.Helper()
	cfg.Roles = []string{config.RoleAPI, config.RoleGranter}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys, err := openSystem(context.Background(), cfg, log)
	require.NoError(t, err)
	eng, err := buildEngine(context.Background(), sys)
	if err == nil {
		// The whole process: relay, grant consumer and jobs, as serve runs them.
		_, err = startDelivery(context.Background(), sys, eng, eng.relay)
	}
	if err != nil {
		sys.Close()
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	return &instance{sys: sys, eng: eng}
}

// prizeSpec describes one prize of a test activity: a text award, or with points, an
// award that credits that many points.
type prizeSpec struct {
	probability string
	stock       int64
	dailyQuota  int64
	points      int64
}

// newID names a fixture's entity with the instance's own generator.
func newID(t testing.TB, in *instance) int64 {
	t.Helper()
	id, err := in.sys.ids.Next()
	require.NoError(t, err)
	return id
}

// runningActivity stores awards and a running activity through the repositories, taking
// it through review like marketers and admins would.
func runningActivity(t testing.TB, in *instance, mode strategy.Mode, stock int64, lim activity.Limits, prizes []prizeSpec) *activity.Activity {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var slots []strategy.Prize
	for i, p := range prizes {
		kind, content := award.KindText, award.Content{Text: "well done"}
		if p.points > 0 {
			kind, content = award.KindPoints, award.Content{Points: p.points}
		}
		aw, err := award.New(newID(t, in), "Prize "+string(rune('A'+i)), kind, content, now)
		require.NoError(t, err)
		require.NoError(t, in.eng.awards.Create(ctx, aw))
		ppm, err := strategy.ParsePPM(p.probability)
		require.NoError(t, err)
		slots = append(slots, strategy.Prize{ID: newID(t, in), AwardID: aw.ID(), Probability: ppm, Stock: p.stock, DailyQuota: p.dailyQuota})
	}
	st, err := strategy.New(mode, slots)
	require.NoError(t, err)
	a, err := activity.New(newID(t, in), activity.Params{
		Name: "invariants", BeginAt: now.Add(-time.Hour), EndAt: now.Add(24 * time.Hour),
		TimeZone: "Asia/Shanghai", Stock: stock, Limits: lim, Strategy: st,
	}, "marketer-1", now)
	require.NoError(t, err)
	require.NoError(t, in.eng.activities.Create(ctx, a))
	marketer := activity.Actor{ID: "marketer-1", Marketer: true}
	admin := activity.Actor{ID: "admin-1", Admin: true}
	for _, step := range []struct {
		action activity.Action
		by     activity.Actor
	}{{activity.ActionSubmit, marketer}, {activity.ActionApprove, admin}, {activity.ActionStart, admin}} {
		var err error
		for attempt := 0; attempt < 5; attempt++ {
			err = in.eng.activities.Update(ctx, a.ID(), func(x *activity.Activity) error {
				if step.action == activity.ActionStart && x.State() == activity.StateRunning {
					return nil // the state timer started it first
				}
				return x.Transition(step.action, step.by, time.Now())
			})
			if !errors.Is(err, activity.ErrConcurrentChange) {
				break // the state timer may win a compare-and-set; then look again
			}
		}
		require.NoError(t, err, "%s", step.action)
	}
	got, err := in.eng.activities.Get(ctx, a.ID())
	require.NoError(t, err)
	require.Equal(t, activity.StateRunning, got.State())
	return got
}
