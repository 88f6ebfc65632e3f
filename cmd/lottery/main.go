// Command lottery is the one binary of Lottery: serve, migrate, token and more.
package main

import (
	"fmt"
	"os"
	"strings"

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
		Version:       version(),
	}
	root.PersistentFlags().StringVar(&configPath, "config", "", "YAML configuration file (see lottery.example.yaml)")
	load := func() (cfgAndLog, error) { return loadConfig(configPath) }
	root.AddCommand(serveCmd(load), migrateCmd(load), tokenCmd(load), configCmd(&configPath), jobsCmd(load))
	root.AddCommand(benchCmd(load), demoCmd(load))
	return root
}

// groupCmd is a command that only holds subcommands: alone it shows its help, and an
// argument that names none of them is an error, not the help.
func groupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			var names []string
			for _, c := range cmd.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			return fmt.Errorf("unknown command %q for %q (want %s)", args[0], cmd.CommandPath(), strings.Join(names, " or "))
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(subs...)
	return cmd
}
