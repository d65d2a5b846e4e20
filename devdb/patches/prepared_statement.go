package fsql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/FerretDB/FerretDB/internal/util/logging"
)

// Stmt is a statement prepared once in a transaction and run for many rows, logged
// as Tx.ExecContext logs each statement.
type Stmt struct {
	tx    *Tx
	query string
	stmt  *sql.Stmt
}

// PrepareContext calls [*sql.Tx.PrepareContext]; close the statement when done.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*Stmt, error) {
	stmt, err := tx.sqlTx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}

	return &Stmt{tx: tx, query: query, stmt: stmt}, nil
}

// ExecContext runs the prepared statement with args.
func (s *Stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	start := time.Now()
	debug := s.tx.l.Enabled(ctx, slog.LevelDebug)

	fields := []any{slog.Any("args", args)}
	if debug {
		s.tx.l.With(fields...).DebugContext(ctx, fmt.Sprintf(">>> %s", s.query))
	}

	res, err := s.stmt.ExecContext(uninterrupted(ctx), args...)

	if debug {
		if res != nil {
			ra, _ := res.RowsAffected()
			fields = append(fields, slog.Int64("rows", ra))
		}

		fields = append(fields, slog.Duration("time", time.Since(start)), logging.Error(err))
		s.tx.l.With(fields...).DebugContext(ctx, fmt.Sprintf("<<< %s", s.query))
	}

	return res, err
}

// Close releases the prepared statement.
func (s *Stmt) Close() error {
	return s.stmt.Close()
}

// uninterrupted keeps ctx's values without its cancellation. The SQLite driver
// starts a goroutine for every statement run under a context that can be
// cancelled, to interrupt it if the context ends, and the scheduler's wake-ups
// for those cost more than the statement under load: one per document written.
// A one-row statement runs to its end instead; the transaction it is part of
// still ends with its context.
func uninterrupted(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}
