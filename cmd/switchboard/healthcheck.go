package main

// "switchboard healthcheck" exists for container images without a shell or
// curl (distroless): the runtime's health check runs the binary itself,
// which asks the service's /readyz and answers with its exit status.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCmd builds "switchboard healthcheck": exit status 0 when the
// URL answers 200, 1 (through main's error path) otherwise.
func newHealthcheckCmd(env map[string]string, stdout io.Writer) *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the service answers 200 on /readyz, 1 otherwise (for container health checks)",
		Long: `Probe a running service, for container runtimes whose image has no shell or
curl: GET the URL (by default /readyz on the port of SWITCHBOARD_LISTEN, on
127.0.0.1) and exit 0 on a 200 answer, 1 on any other answer, a redirect, a
refused connection or a timeout.`,
		Example: `  switchboard healthcheck
  switchboard healthcheck --url http://127.0.0.1:8080/readyz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("url") {
				u, err := defaultHealthcheckURL(env)
				if err != nil {
					return err
				}
				url = u
			}
			if err := probe(cmd.Context(), url, timeout); err != nil {
				return err
			}
			_, err := fmt.Fprintf(stdout, "healthy: %s answered 200\n", url)
			return err
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to probe (default: http://127.0.0.1:PORT/readyz, PORT from SWITCHBOARD_LISTEN)")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long the answer may take")
	return cmd
}

// defaultHealthcheckURL is /readyz on the loopback address at the port the
// configuration serves on, which is where a probe inside the container
// finds the service whatever address it listens on.
func defaultHealthcheckURL(env map[string]string) (string, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return "", fmt.Errorf("healthcheck: %w", err)
	}
	if err := checkListen(cfg.Listen); err != nil {
		return "", fmt.Errorf("healthcheck: SWITCHBOARD_LISTEN: %w", err)
	}
	_, port, _ := net.SplitHostPort(cfg.Listen) // checked above
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz", nil
}

// probe GETs url and wants 200; redirects are not followed, so that a probe
// cannot be answered by some other page.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	if timeout <= 0 {
		return errors.New("healthcheck: --timeout must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, res.Status)
	}
	return nil
}
