package main

import (
	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/infrastructure/config"
)

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "List every configuration key with its environment variable",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			printf("| file key | environment | meaning |\n|---|---|---|\n")
			for _, r := range config.Describe() {
				printf("| `%s` | `%s` | %s |\n", r[0], r[1], r[2])
			}
			return nil
		},
	}
}
