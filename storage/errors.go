package storage

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

// translate turns a database error into an engine error where it has a
// meaning for the user (a unique or foreign key violation), and otherwise
// wraps it with the operation's name. gorm's TranslateError maps both
// drivers' codes to the same sentinel errors.
func translate(err error, op string, conflictFormat string, args ...any) error {
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &engine.Error{Kind: engine.ErrConflict, Message: fmt.Sprintf(conflictFormat, args...)}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &engine.Error{Kind: engine.ErrConflict, Message: op + ": a referenced resource does not exist or is still in use"}
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &engine.Error{Kind: engine.ErrNotFound, Message: op + ": not found"}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// take loads the one row q selects. No row is an engine.ErrNotFound with
// the message notFound formats; any other failure is wrapped with op.
func take[R any](q *gorm.DB, op string, notFound string, args ...any) (R, error) {
	var row R
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, engine.Errorf(engine.ErrNotFound, notFound, args...)
	}
	if err != nil {
		return row, fmt.Errorf("%s: %w", op, err)
	}
	return row, nil
}
