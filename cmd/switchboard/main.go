// Command switchboard runs Switchboard, the Twitter Direct Message channel of
// a customer-service system: `switchboard serve` starts the service (on an
// embedded SQLite file by default, or PostgreSQL), `switchboard migrate`
// manages the schema, and `switchboard --help` lists everything else.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	if err != nil {
		// One line, so that a bad start-up says what is wrong and nothing else.
		fmt.Fprintf(os.Stderr, "switchboard: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		os.Exit(1)
	}
}

// run is the whole program: it parses args against the given environment
// (KEY=value pairs, as os.Environ) and writes only to stdout and stderr.
func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	root := newRootCmd(environ(env), stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func environ(pairs []string) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
