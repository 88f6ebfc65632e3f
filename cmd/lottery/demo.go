package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/internal/bench"
)

func demoCmd(load func() (cfgAndLog, error)) *cobra.Command {
	var f benchFlags
	var printID bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create awards and a running benchmark activity on a server, and print the bench command",
		Long: `demo creates three awards (text; with --awards mixed the 1% prize is physical and the 20%
prize points) and an activity with prizes at 1%, 5% (with a daily quota) and 20% odds (in
--mode fixed, or renormalize) through the admin API of a running server — created and
submitted by the marketer bench-marketer, approved and started by the admin bench-admin —
and prints its id and the bench command to run against it. --url defaults to the
configured http.addr.`,
		Example: `  LOTTERY_AUTH_SECRET=… lottery demo --draws 200000`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.urlGiven = cmd.Flags().Changed("url")
			switch {
			case f.users < 1:
				return errors.New("--users must be at least 1")
			case f.draws < 1:
				return errors.New("--draws must be at least 1")
			case f.concurrency < 1:
				return errors.New("--concurrency must be at least 1")
			}
			if err := checkActivityFlags(f); err != nil {
				return err
			}
			if err := checkURL(f.url); err != nil {
				return err
			}
			cl, err := load()
			if err != nil {
				return err
			}
			f.resolve(cl.cfg)
			keys, err := benchKeys(cl, f.secret)
			if err != nil {
				return err
			}
			id, err := bench.SetUp(cmd.Context(), setupOptions(f, keys))
			if err != nil {
				return err
			}
			f.activity = id
			if printID {
				printf("%d\n", id)
				return nil
			}
			// The activity is sized for --draws; the run it suggests is a fixed time, which
			// says more on any machine than a count that may take minutes there.
			run := f
			run.draws, run.duration = 0, 20*time.Second
			printf("activity %d is running. Benchmark it with:\n  %s\n", id, benchCommand(run))
			printf("(a server started without LOTTERY_DRAW_RATE_PER_USER=0 limits each user's draws per second: most draws then answer rate_limited)\n")
			if f.sqlite == "" && cl.cfg.MySQLDSN == "" {
				printf("and add the server's database to check the invariants: --sqlite FILE (data_dir/lottery.db of an embedded server) or --mysql-dsn DSN\n")
			}
			return nil
		},
	}
	addServerFlags(cmd, &f)
	cmd.Flags().Int64Var(&f.draws, "draws", 1_000_000, "draws the activity should serve (sizes stock and limits)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 192, "concurrency to put in the printed bench command")
	cmd.Flags().BoolVar(&f.tight, "tight", false, "size stock, quotas and user limits to run out during the run")
	addActivityFlags(cmd, &f, "")
	cmd.Flags().BoolVar(&printID, "print-id", false, "print only the activity id (for scripts)")
	return cmd
}
