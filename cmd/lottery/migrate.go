package main

import (
	"github.com/spf13/cobra"
)

func migrateCmd(load func() (cfgAndLog, error)) *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply or list the SQL schema migrations"}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			db, err := openSQL(cmd.Context(), cl.cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.MigrateUp(cmd.Context())
			if err != nil {
				return err
			}
			printf("%s: applied %d migration(s)\n", db.Where, n)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			db, err := openSQL(cmd.Context(), cl.cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.MigrationStatuses(cmd.Context())
			if err != nil {
				return err
			}
			printf("%s\n", db.Where)
			for _, s := range st {
				state := "pending"
				if s.Applied {
					state = "applied"
				}
				printf("  %05d  %-8s %s\n", s.Version, state, s.Source)
			}
			return nil
		},
	})
	return cmd
}
