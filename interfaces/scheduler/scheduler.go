package scheduler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/robfig/cron/v3"

	"github.com/lottery-go/lottery/application/jobs"
)

// Off is the schedule of a job that does not run.
const Off = "off"

// Entry is a job and its schedule: a cron spec with a seconds field
// ("*/10 * * * * *"), a descriptor ("@every 10s"), or Off.
type Entry struct {
	Job  jobs.Job
	Spec string
}

// parser is cron.WithSeconds' parser: six fields or a descriptor.
var parser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Scheduler runs entries on their schedules in this process; the Runner's lease keeps
// other processes from running the same job at the same time.
type Scheduler struct {
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
}

// New schedules the entries that are not Off.
func New(runner *Runner, entries []Entry, log *slog.Logger) (*Scheduler, error) {
	logger := cronLogger{log}
	// robfig/cron v3 neither recovers panics nor skips overlapping runs by default; both are
	// asked for here. SkipIfStillRunning is per process only, hence the Runner's lease.
	c := cron.New(cron.WithParser(parser), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{cron: c, ctx: ctx, cancel: cancel}
	for _, e := range entries {
		if e.Spec == Off {
			continue
		}
		j := e.Job
		if _, err := c.AddFunc(e.Spec, func() { _, _, _ = runner.Run(s.ctx, j) }); err != nil {
			cancel()
			return nil, fmt.Errorf("schedule job %s %q: %w", j.Name(), e.Spec, err)
		}
	}
	return s, nil
}

// Start begins running jobs in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop schedules nothing more, cancels running jobs and waits for them to return.
func (s *Scheduler) Stop() {
	done := s.cron.Stop()
	s.cancel()
	<-done.Done()
}

// cronLogger routes robfig/cron's log to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
