"""Running uvicorn for `registry serve`, stopped by Ctrl-C with one line.

uvicorn finishes open requests and the app's shutdown on SIGINT, then raises the signal
again for an embedding program to see: on a terminal, a KeyboardInterrupt traceback after
five lines of shutdown log. Here Ctrl-C prints one line, quiets uvicorn's lifecycle lines
(its warnings and errors still show), shuts down the same way and is not raised again, so
the command exits 0 and `make run` adds no error of its own. SIGTERM (a process manager)
keeps uvicorn's log lines and its re-raised signal.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import uvicorn

STOPPING = "registry: stopping (Ctrl-C); open requests finish first"


class Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGINT and not self.should_exit:
            print(STOPPING, file=sys.stderr, flush=True)
            logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # Runs before uvicorn re-raises what it caught: a handled Ctrl-C is not raised.
            self._captured_signals = [s for s in self._captured_signals if s != signal.SIGINT]


def run(config: uvicorn.Config) -> bool:
    """Serve until stopped; whether the server had started."""
    server = Server(config)
    server.run()
    return server.started
