package main

import (
	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/internal/bench"
)

func demoCmd(load func() (cfgAndLog, error)) *cobra.Command {
	var f benchFlags
	var printID bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create awards and a running benchmark activity on a server, and print the bench command",
		Long: `demo creates three text awards and an activity with prizes at 1%, 5% (with a daily quota)
and 20% odds through the admin API of a running server — created and submitted by the
marketer bench-marketer, approved and started by the admin bench-admin — and prints its id
and the bench command to run against it.`,
		Example: `  LOTTERY_AUTH_SECRET=… lottery demo --draws 200000`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
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
			printf("activity %d is running. Benchmark it with:\n  %s\n", id, benchCommand(f))
			return nil
		},
	}
	addServerFlags(cmd, &f)
	cmd.Flags().Int64Var(&f.draws, "draws", 1_000_000, "draws the activity should serve (sizes stock and limits)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 192, "concurrency to put in the printed bench command")
	cmd.Flags().BoolVar(&printID, "print-id", false, "print only the activity id (for scripts)")
	return cmd
}
