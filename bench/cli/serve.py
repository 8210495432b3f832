"""`bench serve`: the embedded model over llama.cpp's OpenAI-compatible HTTP server."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the embedded model over an OpenAI-compatible API")
    p.add_argument("--model", default=None, metavar="PATH.gguf",
                   help="GGUF model (default: the bundled SmolLM2-135M-Instruct)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8080, metavar="N", help="0: a free port")
    p.add_argument("--ctx", type=int, default=8192, metavar="N", help="context length")
    p.add_argument("--parallel", type=int, default=1, metavar="N",
                   help="requests decoded at once (measure: on 2 cores 1 is fastest)")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="CPU threads")
    p.add_argument("--verbose", action="store_true", help="show llama.cpp's own logs")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.engine import Engine, default_model_path
    from bench.errors import UsageError

    if not 0 <= args.port <= 65535 or args.ctx < 256 or args.parallel < 1:
        raise UsageError("--port must be 0-65535, --ctx at least 256, --parallel at least 1")
    model = Path(args.model) if args.model else default_model_path()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    engine = Engine(model, n_ctx=args.ctx, n_threads=args.threads, n_parallel=args.parallel,
                    host=args.host, port=args.port, verbose=args.verbose)
    print(f"serving {engine.alias} at {engine.url}", flush=True)
    stop.wait()
    engine.close()
    return 0
