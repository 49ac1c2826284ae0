// Package api is Switchboard's HTTP surface: a gin router with the
// middleware every request passes (request ids, panic recovery, Prometheus
// metrics, structured access logs, a body size limit), the unauthenticated
// probes (/healthz, /readyz, /metrics), and the /api/v1 group behind bearer
// authentication.
//
// Handlers speak the engine's types and turn them into JSON; the one
// function writeError maps the engine's error kinds to HTTP statuses and the
// body {"error": {"code", "message", "details"}}. An error without a kind is
// a 500 whose cause goes to the log only, with the request id to find it.
package api
