"""Any OpenAI-compatible chat-completions server, through the `openai` package's async client."""

from __future__ import annotations

import asyncio
import email.utils
import os
import time
from typing import Any, ClassVar
from urllib.parse import urlparse

from pydantic import Field

from bench.backends.base import Backend, BaseOptions, Completion, Request
from bench.errors import BackendCallError, ConfigError
from bench.retry import RetryPolicy

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


class OpenAIOptions(BaseOptions):
    model: str = Field(description="model name the server knows, e.g. gpt-4o-mini or smollm2")
    base_url: str | None = Field(
        default=None, description="server URL, e.g. http://127.0.0.1:8080/v1 "
        "(default $OPENAI_BASE_URL, else OpenAI)")
    api_key_env: str = Field(default="OPENAI_API_KEY", json_schema_extra={"transport": True},
                             description="environment variable holding the API key")
    timeout_s: float = Field(default=60.0, gt=0, json_schema_extra={"transport": True},
                             description="per-request timeout, seconds")
    rpm: float | None = Field(default=None, gt=0, json_schema_extra={"transport": True},
                              description="requests-per-minute limit")
    attempts: int = Field(default=5, ge=1, le=20, json_schema_extra={"transport": True},
                          description="tries per question, first included")


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class OpenAIBackend(Backend):
    """OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio)."""

    name: ClassVar[str] = "openai"
    Options: ClassVar[type[OpenAIOptions]] = OpenAIOptions

    def __init__(self, options: OpenAIOptions):
        import openai  # heavy: imported only when this backend is used

        super().__init__(options)
        self.options: OpenAIOptions = options
        self._openai = openai
        base_url = options.base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = os.environ.get(options.api_key_env)
        host = urlparse(base_url).hostname if base_url else None
        if not key:
            if host not in LOCAL_HOSTS:
                where = base_url or "the OpenAI API"
                raise ConfigError(
                    f"no API key for {where}: set {options.api_key_env} "
                    f"(or -o api_key_env=NAME to read another variable)"
                )
            key = "unused"  # local servers take any key
        self._client = openai.AsyncOpenAI(
            api_key=key, base_url=base_url, timeout=options.timeout_s, max_retries=0
        )
        self._interval = 60.0 / options.rpm if options.rpm else 0.0
        self._next_slot = 0.0
        self._slot_lock = asyncio.Lock() if self._interval else None

    async def _pace(self) -> None:
        assert self._slot_lock is not None
        async with self._slot_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.options.attempts)

    async def aclose(self) -> None:
        """Close the HTTP client inside the event loop that used it."""
        await self._client.close()

    async def complete(self, request: Request) -> Completion:
        if self._interval:
            await self._pace()
        openai = self._openai
        start = time.perf_counter()
        body: dict[str, Any] = {"model": self.options.model, "messages": request.messages,
                                "temperature": request.temperature,
                                "max_tokens": request.max_tokens}
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        try:
            # The client's own POST: the same HTTP stack, auth, timeout and error classes as
            # `chat.completions.create`, without its typed walk over the request body and the
            # typed response (about 1.7 ms of CPU a request: most of the runner's budget at
            # 400 req/s). `cast_to=object` returns the JSON body as parsed.
            data: Any = await self._client.post("/chat/completions", body=body, cast_to=object)
        except openai.APITimeoutError:
            raise BackendCallError(f"timed out after {self.options.timeout_s:g} s",
                                   transient=True) from None
        except openai.APIConnectionError as exc:
            raise BackendCallError(f"connection failed: {exc.__cause__ or exc}",
                                   transient=True) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            transient = status == 429 or status >= 500 or status == 408
            raise BackendCallError(
                f"HTTP {status}: {_short(exc.message)}", transient=transient,
                retry_after=_retry_after(exc.response.headers) if transient else None,
            ) from None
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise BackendCallError(f"malformed response: {_short(str(exc))}",
                                   transient=True) from None
        latency = time.perf_counter() - start
        try:
            text = data["choices"][0]["message"]["content"] or ""
            usage = data.get("usage") or {}
            return Completion(
                text=text, latency_s=latency, model=data.get("model"),
                prompt_tokens=usage.get("prompt_tokens") or 0,
                completion_tokens=usage.get("completion_tokens") or 0,
            )
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            raise BackendCallError(f"malformed response: {_short(str(data))}",
                                   transient=True) from None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
