package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/infrastructure/persistence"
)

func migrateCmd(load func() (cfgAndLog, error)) *cobra.Command {
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: withSQL(load, func(ctx context.Context, db *persistence.DB) error {
			n, err := db.MigrateUp(ctx)
			if err != nil {
				return err
			}
			printf("%s: applied %d migration(s)\n", db.Where, n)
			return nil
		}),
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: withSQL(load, func(ctx context.Context, db *persistence.DB) error {
			st, err := db.MigrationStatuses(ctx)
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
			if v, err := db.SchemaAhead(ctx); err != nil {
				return err
			} else if v > 0 {
				printf("  the database is at version %05d, newer than this binary: a newer lottery migrated it\n", v)
			}
			return nil
		}),
	}
	return groupCmd("migrate", "Apply or list the SQL schema migrations", up, status)
}

// withSQL runs fn on the configured database, opened for the command and closed after.
func withSQL(load func() (cfgAndLog, error), fn func(ctx context.Context, db *persistence.DB) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		cl, err := load()
		if err != nil {
			return err
		}
		db, err := openSQL(cmd.Context(), cl.cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(cmd.Context(), db)
	}
}
