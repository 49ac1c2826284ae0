package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger sends gorm's logs to slog. It builds a statement's text only
// when it logs it: gorm's own slog logger builds it for every statement,
// which cost a fifth of a scheduler sweep. Slow statements are warnings;
// failed ones are debug lines, as the callers return and handle their
// errors. Parameter values are never logged: they may be sealed secrets,
// token hashes or customers' messages.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

var (
	_ logger.Interface  = gormLogger{}
	_ gorm.ParamsFilter = gormLogger{}
)

// LogMode keeps the logger as it is: slog's handler decides the level.
func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

// Info logs an informational message of gorm's.
func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}

// Warn logs a warning of gorm's.
func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}

// Error logs an error of gorm's.
func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

// Trace logs a statement that was slow, or failed (at debug level).
func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		if l.log.Enabled(ctx, slog.LevelDebug) {
			sql, _ := fc()
			l.log.DebugContext(ctx, "SQL statement failed", "sql", sql, "duration", elapsed, "error", err.Error())
		}
	case l.slow > 0 && elapsed > l.slow:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow SQL statement", "sql", sql, "rows", rows, "duration", elapsed)
	}
}

// ParamsFilter drops the parameter values from what is logged.
func (gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
