package storage

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestGormLogger(t *testing.T) {
	tests := []struct {
		name      string
		level     slog.Level
		took      time.Duration
		err       error
		wantBuilt bool   // whether the statement's text was built
		wantLog   string // "" for no line
	}{
		{name: "fast and fine", level: slog.LevelDebug, took: time.Millisecond},
		{name: "slow", level: slog.LevelInfo, took: time.Second, wantBuilt: true, wantLog: "slow SQL statement"},
		{name: "failed, debug on", level: slog.LevelDebug, took: time.Millisecond, err: errors.New("boom"), wantBuilt: true, wantLog: "SQL statement failed"},
		{name: "failed, debug off", level: slog.LevelInfo, took: time.Millisecond, err: errors.New("boom")},
		{name: "no row is no failure", level: slog.LevelDebug, took: time.Millisecond, err: gorm.ErrRecordNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			l := gormLogger{log: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: tt.level})), slow: 500 * time.Millisecond}
			built := false
			l.Trace(context.Background(), time.Now().Add(-tt.took), func() (string, int64) {
				built = true
				return "SELECT * FROM contacts WHERE id = ?", 1
			}, tt.err)
			if built != tt.wantBuilt {
				t.Errorf("statement text built = %v, want %v", built, tt.wantBuilt)
			}
			if got := out.String(); (tt.wantLog == "") != (got == "") || !strings.Contains(got, tt.wantLog) {
				t.Errorf("logged %q, want %q", got, tt.wantLog)
			}
		})
	}
	sql, vars := gormLogger{}.ParamsFilter(context.Background(), "UPDATE api_keys SET token_hash = ?", "secret-hash")
	if len(vars) != 0 || strings.Contains(sql, "secret-hash") {
		t.Errorf("ParamsFilter kept the values: %q %v", sql, vars)
	}
}
