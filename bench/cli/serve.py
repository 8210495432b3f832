"""`bench serve`: the embedded model over llama.cpp's OpenAI-compatible HTTP server."""

from __future__ import annotations

import argparse
import os
import select
import signal
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve", help="serve the embedded model over an OpenAI-compatible API",
        description="Serve a GGUF model (default: the bundled SmolLM2-135M-Instruct) over "
        "llama.cpp's OpenAI-compatible HTTP server. Prints one line, `serving MODEL at URL`, "
        "when ready; stops on Ctrl-C or SIGTERM.")
    p.add_argument("--model", default=None, metavar="PATH.gguf",
                   help="GGUF model (default: the bundled SmolLM2-135M-Instruct)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8080, metavar="N",
                   help="port to listen on; 0 picks a free one (default %(default)s)")
    p.add_argument("--ctx", type=int, default=8192, metavar="N",
                   help="context length in tokens, shared by the parallel slots "
                   "(default %(default)s)")
    p.add_argument("--parallel", type=int, default=1, metavar="N",
                   help="requests decoded at once; more are queued (default 1: the fastest "
                   "on 2 cores, see benchmarks/engine_speed.py)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads (default: all)")
    p.add_argument("--verbose", action="store_true", help="show llama.cpp's own logs on stderr")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.engine.llama import Engine, default_model
    from bench.errors import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be 0-65535 (0 picks a free port)")
    if args.ctx < 256 or args.parallel < 1 or (args.threads is not None and args.threads < 1):
        raise UsageError("--ctx must be at least 256, --parallel and --threads at least 1")
    # SIGINT and SIGTERM only write a byte to a pipe (Python's wakeup fd), which the main
    # thread waits on: no lock is taken in a handler (an Event set there can deadlock with
    # the wait it interrupts), and a signal that comes while the model loads is not lost.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    before = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        _catch_stop_signals()
        # After the handlers: the default model's Q8_0 copy may be made first (a second or two).
        model = Path(args.model) if args.model else default_model()
        engine = Engine(model, n_ctx=args.ctx, n_threads=args.threads,
                        n_parallel=args.parallel, host=args.host, port=args.port,
                        verbose=args.verbose)
        try:
            _catch_stop_signals()  # again: llama.cpp's server may install its own as it starts
            if not select.select([wake_r], [], [], 0)[0]:  # not stopped while loading
                print(f"serving {engine.alias} at {engine.url}", flush=True)
                os.read(wake_r, 1)
        finally:
            engine.close()
    finally:
        signal.set_wakeup_fd(before)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        os.close(wake_r)
        os.close(wake_w)
    return 0


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _catch_stop_signals() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, _wake)


def _wake(signum: int, frame: object) -> None:
    """Nothing to do here: Python's C handler has written the byte `run` waits for."""
