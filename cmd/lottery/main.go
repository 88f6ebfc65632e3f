// Command lottery is the one binary of Lottery: serve, migrate, token and more.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "lottery:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:           "lottery",
		Short:         "Lottery: a marketing lucky-draw platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&configPath, "config", "", "YAML configuration file (see lottery.example.yaml)")
	load := func() (cfgAndLog, error) { return loadConfig(configPath) }
	root.AddCommand(serveCmd(load), migrateCmd(load), tokenCmd(load), configCmd(), jobsCmd(load))
	root.AddCommand(benchCmd(load), demoCmd(load))
	return root
}
