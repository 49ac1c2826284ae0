package main

import (
	"io"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Every subcommand reads its
// configuration from env (and its own flags), never from the process.
func newRootCmd(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "switchboard",
		Short: "Twitter Direct Messages as a customer-service channel",
		Long: `Switchboard turns Direct Messages sent to a business's Twitter handles into
conversations, routes them with analysts' rules to queues, offers them to
agents with free capacity, and carries the agents' replies back to Twitter.

Configuration comes from SWITCHBOARD_* environment variables; flags override them.
Run "switchboard serve" to start the service on an embedded SQLite database.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newServeCmd(env, stdout, stderr),
		newMigrateCmd(env, stdout, stderr),
		newVersionCmd(stdout),
	)
	root.AddCommand(newRulesCmd(stdout, stderr))
	root.AddCommand(newFakeTwitterCmd(stdout, stderr))
	root.AddCommand(newDemoCmd(stdout, stderr))
	root.AddCommand(newLoadgenCmd(env, stdout, stderr))
	root.AddCommand(newHealthcheckCmd(env, stdout))
	return root
}
