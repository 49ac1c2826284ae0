package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switchboardhq/switchboard/storage"
)

func newMigrateCmd(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var databaseURL string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or list the database schema migrations",
		Long: `Manage the database schema. "serve" applies pending migrations by itself;
these commands are for operators: up applies every pending migration, down
rolls back the latest one (or down to a version with --to), status lists them.`,
	}
	cmd.PersistentFlags().StringVar(&databaseURL, "database-url", "", "database URL (overrides SWITCHBOARD_DATABASE_URL)")

	// openDB opens the configured database without a secret key:
	// migrations never read or write a secret.
	openDB := func(ctx context.Context, c *cobra.Command) (*storage.DB, error) {
		cfg, err := loadConfig(env)
		if err != nil {
			return nil, err
		}
		if c.Flags().Changed("database-url") {
			cfg.DatabaseURL = databaseURL
		}
		if err := cfg.validate(); err != nil {
			return nil, err
		}
		return storage.Open(ctx, storage.Options{URL: cfg.DatabaseURL, Logger: newLogger(&cfg, stderr)})
	}
	// withDB runs fn on the configured database and closes it.
	withDB := func(fn func(c *cobra.Command, db *storage.DB) error) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, _ []string) error {
			db, err := openDB(c.Context(), c)
			if err != nil {
				return err
			}
			defer db.Close()
			return fn(c, db)
		}
	}
	printResults := func(results []storage.MigrationResult) {
		if len(results) == 0 {
			fmt.Fprintln(stdout, "nothing to do")
		}
		for _, r := range results {
			fmt.Fprintf(stdout, "%-4s %05d %s (%s)\n", r.Direction, r.Version, r.Name, r.Duration.Round(1000))
		}
	}

	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: withDB(func(c *cobra.Command, db *storage.DB) error {
			res, err := db.MigrateUp(c.Context())
			printResults(res)
			return err
		}),
	}
	var to int64
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back the latest migration (or down to --to VERSION)",
		Args:  cobra.NoArgs,
		RunE: withDB(func(c *cobra.Command, db *storage.DB) error {
			target := int64(-1)
			if c.Flags().Changed("to") {
				if to < 0 {
					return fmt.Errorf("--to: %d is not a migration version (0 rolls back all)", to)
				}
				target = to
			}
			res, err := db.MigrateDown(c.Context(), target)
			printResults(res)
			return err
		}),
	}
	down.Flags().Int64Var(&to, "to", 0, "roll back every migration above this version (0: all)")
	status := &cobra.Command{
		Use:   "status",
		Short: "List the migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: withDB(func(c *cobra.Command, db *storage.DB) error {
			st, err := db.MigrationStatus(c.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tNAME\tSTATE\tAPPLIED AT")
			for _, m := range st {
				state, at := "pending", ""
				if m.Applied {
					state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
				fmt.Fprintf(w, "%05d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
			}
			return w.Flush()
		}),
	}
	cmd.AddCommand(up, down, status)
	return cmd
}
