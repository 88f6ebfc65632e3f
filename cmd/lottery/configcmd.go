package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/infrastructure/config"
)

func configCmd(path *string) *cobra.Command {
	var effective bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "List every configuration key with its environment variable, or the values in effect",
		Long: "config lists every configuration key with its environment variable and meaning. With --effective it " +
			"loads the configuration as serve would (defaults, then --config, then the environment) and shows each " +
			"key's value and where it came from; secrets show as *** when set.",
		Example: `  lottery config
  LOTTERY_REDIS_ADDR=127.0.0.1:6379 lottery config --effective --config lottery.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if effective {
				return printEffective(*path)
			}
			printf("| file key | environment | meaning |\n|---|---|---|\n")
			for _, r := range config.Describe() {
				printf("| `%s` | `%s` | %s |\n", r[0], r[1], r[2])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&effective, "effective", false, "show the values in effect and where each came from")
	return cmd
}

func printEffective(path string) error {
	cfg, err := config.Load(path, os.LookupEnv)
	if err != nil {
		return err
	}
	rows, err := config.Effective(cfg, path, os.LookupEnv)
	if err != nil {
		return err
	}
	printf("| key | value | from |\n|---|---|---|\n")
	for _, r := range rows {
		value := "(none)"
		if r[1] != "" {
			value = "`" + r[1] + "`"
		}
		printf("| `%s` | %s | %s |\n", r[0], value, r[2])
	}
	for _, name := range config.UnknownEnv(os.Environ()) {
		fmt.Fprintf(os.Stderr, "warning: %s names no configuration key; ignored\n", name)
	}
	return nil
}
