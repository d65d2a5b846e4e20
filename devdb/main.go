// Command devdb runs FerretDB v1 on its SQLite backend as an embedded,
// MongoDB-compatible database for development and tests.
//
// It embeds the ferretdb package rather than building FerretDB's own command,
// whose binary needs a generated version file to start.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 27017, "TCP port to listen on")
	dataDir := flag.String("data-dir", ".data/devdb", "directory holding the SQLite files")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if err := run(*host, *port, *dataDir, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "devdb:", err)
		os.Exit(1)
	}
}

func run(host string, port int, dataDir string, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid --log-level %q", logLevel)
	}
	if os.Getenv("GOGC") == "" {
		// FerretDB allocates for every document it decodes while its live heap stays
		// small; collecting at 5x the live heap instead of 2x takes a tenth of its
		// CPU time back under load, for a few tens of megabytes.
		debug.SetGCPercent(400)
	}
	logger := slog.New(lazyHandler{base: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}

	addr := net.JoinHostPort(host, strconv.Itoa(port))
	// Fail fast with a clear message when the port is taken.
	probe, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", addr, err)
	}
	probe.Close()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stdout, "devdb listening on %s (data in %s)\n", addr, abs)
	f.Run(ctx)
	return nil
}

// lazyHandler formats attributes only for records that are written. FerretDB
// attaches every SQL statement's arguments (whole documents) to a logger for a
// debug message, and slog's text handler formats attributes as soon as they are
// attached, whatever the level: about a tenth of the server's time under load.
type lazyHandler struct {
	base slog.Handler
	with []func(slog.Handler) slog.Handler
}

func (h lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

func (h lazyHandler) Handle(ctx context.Context, record slog.Record) error {
	handler := h.base
	for _, with := range h.with {
		handler = with(handler)
	}
	return handler.Handle(ctx, record)
}

func (h lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.then(func(handler slog.Handler) slog.Handler { return handler.WithAttrs(attrs) })
}

func (h lazyHandler) WithGroup(name string) slog.Handler {
	return h.then(func(handler slog.Handler) slog.Handler { return handler.WithGroup(name) })
}

func (h lazyHandler) then(with func(slog.Handler) slog.Handler) lazyHandler {
	return lazyHandler{base: h.base, with: append(slices.Clip(h.with), with)}
}
