package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/robfig/cron/v3"

	"github.com/switchboardhq/switchboard/storage"
)

// config is the service's configuration, read from SWITCHBOARD_* variables
// with the defaults below; flags may override a few of them.
type config struct {
	Listen          string        `env:"SWITCHBOARD_LISTEN" envDefault:"127.0.0.1:8080"`
	DatabaseURL     string        `env:"SWITCHBOARD_DATABASE_URL" envDefault:"switchboard.db"`
	PublicURL       string        `env:"SWITCHBOARD_PUBLIC_URL"`
	AdminToken      string        `env:"SWITCHBOARD_ADMIN_TOKEN"`
	SecretKey       string        `env:"SWITCHBOARD_SECRET_KEY"`
	TwitterAPIURL   string        `env:"SWITCHBOARD_TWITTER_API_URL" envDefault:"https://api.x.com"`
	LogFormat       string        `env:"SWITCHBOARD_LOG_FORMAT" envDefault:"text"`
	LogLevel        string        `env:"SWITCHBOARD_LOG_LEVEL" envDefault:"info"`
	MaxBodyBytes    int64         `env:"SWITCHBOARD_MAX_BODY_BYTES" envDefault:"1048576"`
	ShutdownTimeout time.Duration `env:"SWITCHBOARD_SHUTDOWN_TIMEOUT" envDefault:"4s"`
	// Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For
	// names the client; none by default.
	TrustedProxies []string `env:"SWITCHBOARD_TRUSTED_PROXIES" envSeparator:","`
	// An address for Go's profiler (net/http/pprof), apart from the API;
	// empty: no profiler.
	PprofListen string `env:"SWITCHBOARD_PPROF_LISTEN"`

	// The scheduler (scheduler.go).
	Scheduler         string        `env:"SWITCHBOARD_SCHEDULER" envDefault:"on"`
	ScheduleSweep     string        `env:"SWITCHBOARD_SCHEDULE_SWEEP" envDefault:"@every 5s"`
	ScheduleAutoClose string        `env:"SWITCHBOARD_SCHEDULE_AUTOCLOSE" envDefault:"@every 1m"`
	StallRequeueAfter time.Duration `env:"SWITCHBOARD_STALL_REQUEUE_AFTER" envDefault:"0s"`
	AgentStreamGrace  time.Duration `env:"SWITCHBOARD_AGENT_STREAM_GRACE" envDefault:"2m"`
	// How often an agent's notification stream reads without being woken:
	// a safety net, as commits wake the streams (on PostgreSQL, those of
	// every replica).
	StreamPoll time.Duration `env:"SWITCHBOARD_STREAM_POLL" envDefault:"1s"`

	// The Twitter channel (twitter.go): warn when a usually busy handle has
	// received nothing for this long.
	TwitterSilentAfter time.Duration `env:"SWITCHBOARD_TWITTER_SILENT_AFTER" envDefault:"6h"`
	// How long a reply claimed by a sender stays "sending" before another
	// sender (or this one, after a crash) looks it up on Twitter and sends
	// it again. Shorter brings replies back sooner after a crash; a sender
	// starts no send after half of it, so it must exceed twice a send's
	// timeout (30s), or replicas may send a reply twice.
	OutboxLease time.Duration `env:"SWITCHBOARD_OUTBOX_LEASE" envDefault:"2m"`

	// Group commit: the DMs that arrive while an ingest transaction
	// commits are written together in the next one (engine.GroupCommit).
	// At most GroupCommitMaxBatch DMs in a transaction (1 turns group
	// commit off), GroupCommitGroups transactions at once (0: 1 on
	// SQLite, whose single writer takes one at a time anyway, 4 on
	// PostgreSQL, whose round trips a lone group would queue), and a group
	// that is not full waits up to GroupCommitMaxWait for more, only while
	// another group is committing.
	GroupCommitMaxBatch int           `env:"SWITCHBOARD_GROUP_COMMIT_MAX_BATCH" envDefault:"64"`
	GroupCommitGroups   int           `env:"SWITCHBOARD_GROUP_COMMIT_GROUPS" envDefault:"0"`
	GroupCommitMaxWait  time.Duration `env:"SWITCHBOARD_GROUP_COMMIT_MAX_WAIT" envDefault:"0s"`

	// Derived by validate.
	database    storage.Location
	logLevel    slog.Level
	secret      []byte
	schedulerOn bool
}

// loadConfig reads the configuration from env. Errors name the variable.
func loadConfig(environ map[string]string) (config, error) {
	var cfg config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		return cfg, explainEnvError(err)
	}
	return cfg, nil
}

// explainEnvError rewrites the library's parse errors, which name Go fields,
// into ones that name the variable a user set.
func explainEnvError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	msgs := make([]string, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			field, _ := reflect.TypeOf(config{}).FieldByName(pe.Name)
			msgs = append(msgs, fmt.Sprintf("%s: %s", field.Tag.Get("env"), describeKind(pe.Type)))
			continue
		}
		msgs = append(msgs, e.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}

func describeKind(t reflect.Type) string {
	if t == reflect.TypeOf(time.Duration(0)) {
		return `not a duration (write e.g. "4s", "2m", "1h")`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "not a whole number"
	}
	return "not a valid " + t.String()
}

// validate checks every value and derives the parsed forms. The first
// problem found is returned, naming its variable.
func (c *config) validate() error {
	if err := checkListen(c.Listen); err != nil {
		return fmt.Errorf("SWITCHBOARD_LISTEN: %w", err)
	}
	loc, err := storage.ParseURL(c.DatabaseURL)
	if err != nil {
		return fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)
	}
	c.database = loc
	if c.PublicURL == "" {
		c.PublicURL = publicURLFromListen(c.Listen)
	}
	if err := checkHTTPURL(c.PublicURL); err != nil {
		return fmt.Errorf("SWITCHBOARD_PUBLIC_URL: %w", err)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if err := checkHTTPURL(c.TwitterAPIURL); err != nil {
		return fmt.Errorf("SWITCHBOARD_TWITTER_API_URL: %w", err)
	}
	c.TwitterAPIURL = strings.TrimRight(c.TwitterAPIURL, "/")
	if c.TwitterSilentAfter <= 0 {
		return fmt.Errorf("SWITCHBOARD_TWITTER_SILENT_AFTER: must be positive")
	}
	if c.OutboxLease <= 0 {
		return fmt.Errorf("SWITCHBOARD_OUTBOX_LEASE: must be positive")
	}
	if c.SecretKey != "" {
		key, err := parseSecretKey(c.SecretKey)
		if err != nil {
			return fmt.Errorf("SWITCHBOARD_SECRET_KEY: %w", err)
		}
		c.secret = key
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return errors.New("SWITCHBOARD_ADMIN_TOKEN: too short; use at least 16 random characters")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("SWITCHBOARD_LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	if err := c.logLevel.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("SWITCHBOARD_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("SWITCHBOARD_MAX_BODY_BYTES: %d is too small; at least 1024", c.MaxBodyBytes)
	}
	if c.GroupCommitMaxBatch < 1 || c.GroupCommitMaxBatch > 1000 {
		return fmt.Errorf("SWITCHBOARD_GROUP_COMMIT_MAX_BATCH: %d is not between 1 and 1000", c.GroupCommitMaxBatch)
	}
	if c.GroupCommitGroups < 0 || c.GroupCommitGroups > 64 {
		return fmt.Errorf("SWITCHBOARD_GROUP_COMMIT_GROUPS: %d is not between 0 (the database's default) and 64", c.GroupCommitGroups)
	}
	if c.GroupCommitMaxWait < 0 || c.GroupCommitMaxWait > 50*time.Millisecond {
		return fmt.Errorf("SWITCHBOARD_GROUP_COMMIT_MAX_WAIT: %s is not between 0 and 50ms (every DM of a group waits for it)", c.GroupCommitMaxWait)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("SWITCHBOARD_SHUTDOWN_TIMEOUT: must be positive")
	}
	for i, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		c.TrustedProxies[i] = p
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return fmt.Errorf("SWITCHBOARD_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
		}
	}
	if c.PprofListen != "" {
		if _, _, err := net.SplitHostPort(c.PprofListen); err != nil {
			return fmt.Errorf("SWITCHBOARD_PPROF_LISTEN: %q is not host:port", c.PprofListen)
		}
	}
	return c.validateScheduler()
}

// validateScheduler checks the scheduler's settings; a schedule is a cron
// spec as robfig/cron reads it (five fields, or @every 5s, @hourly …).
func (c *config) validateScheduler() error {
	switch c.Scheduler {
	case "on", "":
		c.schedulerOn = true
	case "off":
		c.schedulerOn = false
	default:
		return fmt.Errorf("SWITCHBOARD_SCHEDULER: %q is not on or off", c.Scheduler)
	}
	for _, s := range []struct{ variable, spec string }{
		{"SWITCHBOARD_SCHEDULE_SWEEP", c.ScheduleSweep},
		{"SWITCHBOARD_SCHEDULE_AUTOCLOSE", c.ScheduleAutoClose},
	} {
		if _, err := cron.ParseStandard(s.spec); err != nil {
			return fmt.Errorf(`%s: %q is not a cron schedule (write e.g. "@every 5s" or "*/5 * * * *"): %s`, s.variable, s.spec, strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
	if c.StallRequeueAfter < 0 {
		return errors.New("SWITCHBOARD_STALL_REQUEUE_AFTER: must not be negative (0 means the work stream's requeue_after)")
	}
	if c.AgentStreamGrace < 0 {
		return errors.New("SWITCHBOARD_AGENT_STREAM_GRACE: must not be negative (0 turns the stream check off)")
	}
	if c.StreamPoll <= 0 {
		return errors.New("SWITCHBOARD_STREAM_POLL: must be positive")
	}
	return nil
}

func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080 or :8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port (0–65535)", addr)
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /:") {
		return fmt.Errorf("%q has no valid host", addr)
	}
	return nil
}

func publicURLFromListen(listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return nil
}

func parseSecretKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 64 {
		return nil, fmt.Errorf("must be 64 hex characters (32 bytes), got %d characters; generate one with: openssl rand -hex 32", len(s))
	}
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("must be 64 hex characters (0-9, a-f); generate one with: openssl rand -hex 32")
	}
	return key, nil
}

// logAttrs describes the effective configuration with every secret masked.
func (c *config) logAttrs(secretSource string) []any {
	return []any{
		slog.String("listen", c.Listen),
		slog.String("database", string(c.database.Dialect)+" "+c.database.Redacted),
		slog.String("public_url", c.PublicURL),
		slog.String("twitter_api_url", c.TwitterAPIURL),
		slog.Duration("twitter_silent_after", c.TwitterSilentAfter),
		slog.String("admin_token", mask(c.AdminToken)),
		slog.String("secret_key", secretSource),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.logLevel.String()),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.String("pprof_listen", c.PprofListen),
		slog.String("scheduler", c.Scheduler),
		slog.String("schedule_sweep", c.ScheduleSweep),
		slog.String("schedule_autoclose", c.ScheduleAutoClose),
		slog.Duration("stall_requeue_after", c.StallRequeueAfter),
		slog.Duration("agent_stream_grace", c.AgentStreamGrace),
		slog.Duration("stream_poll", c.StreamPoll),
		slog.Int("group_commit_max_batch", c.GroupCommitMaxBatch),
		slog.Int("group_commit_groups", c.groupCommit().Groups),
		slog.Duration("group_commit_max_wait", c.GroupCommitMaxWait),
	}
}

func mask(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "(set, masked)"
}
