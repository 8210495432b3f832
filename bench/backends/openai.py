"""Any OpenAI-compatible chat-completions server, through the `openai` package's async client."""

from __future__ import annotations

import asyncio
import email.utils
import math
import os
import time
from typing import Any, ClassVar, Literal
from urllib.parse import urlparse

from pydantic import Field

from bench.backends.adapt import Adapter
from bench.backends.base import (
    SECRET,
    TRANSPORT,
    Backend,
    BaseOptions,
    Completion,
    FinishReason,
    Request,
)
from bench.backends.retry import RetryPolicy
from bench.errors import BackendCallError, ConfigError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
MAX_ADAPTATIONS = 4
"""Changes to one request's shape before its 400 counts as a failure."""
_FINISH: dict[str, FinishReason] = {"stop": "stop", "length": "length",
                                    "content_filter": "content_filter",
                                    "tool_calls": "tool_calls", "eos": "stop"}


class OpenAIOptions(BaseOptions):
    model: str = Field(description="model name the server knows, e.g. gpt-4o-mini or smollm2")
    base_url: str | None = Field(
        default=None, description="server URL, e.g. http://127.0.0.1:8080/v1 "
        "(default $OPENAI_BASE_URL, else OpenAI)")
    api_key_env: str = Field(default="OPENAI_API_KEY", json_schema_extra=TRANSPORT,
                             description="environment variable holding the API key")
    timeout_s: float = Field(default=60.0, gt=0, json_schema_extra=TRANSPORT,
                             description="per-request timeout, seconds")
    rpm: float | None = Field(default=None, gt=0, json_schema_extra=TRANSPORT,
                              description="requests-per-minute limit")
    attempts: int = Field(default=5, ge=1, le=20, json_schema_extra=TRANSPORT,
                          description="tries per question, first included")
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None = Field(
        default=None, description="name of the token limit; default: max_tokens, switched "
        "to max_completion_tokens when the server asks for it")
    reasoning_effort: str | None = Field(
        default=None, description="reasoning effort, e.g. low (reasoning models)")
    top_p: float | None = Field(default=None, ge=0, le=1, description="nucleus sampling")
    extra_body: dict[str, Any] | None = Field(
        default=None, description="JSON object merged into every request body (vendor fields)")
    headers: dict[str, str] | None = Field(
        default=None, json_schema_extra=SECRET,
        description="extra HTTP headers (JSON object); never written to results")
    batch_poll_s: float = Field(default=30.0, gt=0, json_schema_extra=TRANSPORT,
                                description="batch runs: seconds between status checks")
    price_in_per_mtok: float | None = Field(default=None, ge=0, json_schema_extra=TRANSPORT,
                                            description="price of 1M prompt tokens, for cost")
    price_out_per_mtok: float | None = Field(
        default=None, ge=0, json_schema_extra=TRANSPORT,
        description="price of 1M completion tokens (reasoning included), for cost")


def prices_of(o: OpenAIOptions) -> tuple[float, float] | None:
    """(input, output) price per million tokens, when either was given."""
    if o.price_in_per_mtok is None and o.price_out_per_mtok is None:
        return None
    return o.price_in_per_mtok or 0.0, o.price_out_per_mtok or 0.0


def retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date).

    Anything unreadable ("soon", a negative or endless number) is None: the caller backs off."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if not value:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            if scale != 1.0:
                continue
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                continue
            if parsed is None:
                continue
            if parsed.tzinfo is None:  # an HTTP date is GMT even when it does not say so
                return max(0.0, parsed.timestamp() - time.time() - time.timezone)
            return max(0.0, parsed.timestamp() - time.time())
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


def adapter_of(options: OpenAIOptions) -> Adapter:
    """A fresh request shape for these options (the token parameter the user fixed, if any)."""
    return Adapter(token_param=options.max_tokens_param or "max_tokens",
                   fixed_token_param=options.max_tokens_param is not None)


class OpenAIBatchCodec:
    """Chat-completions bodies in batch files (OpenAI's Batch API, vLLM's `run-batch`)."""

    def __init__(self, options: OpenAIOptions):
        self.options = options
        self.adapter = adapter_of(options)
        self.poll_s = options.batch_poll_s
        self.rounds = options.attempts

    def body(self, request: Request) -> dict[str, Any]:
        return self.adapter.shape(request_body(self.options, request), request.max_tokens)

    def parse(self, body: Any, request: Request) -> Completion:
        return parse_reply(body, request, self.adapter)

    def sent_settings(self) -> dict[str, Any]:
        return self.adapter.settings()

    def prices(self) -> tuple[float, float] | None:
        return prices_of(self.options)


class OpenAIBackend(Backend):
    """OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio)."""

    name: ClassVar[str] = "openai"
    Options: ClassVar[type[OpenAIOptions]] = OpenAIOptions
    needs_model_name = True
    supports_batch = True

    @classmethod
    def batch_codec(cls, options: Any) -> OpenAIBatchCodec:
        return OpenAIBatchCodec(options)

    def batch_client(self) -> Any:
        return self._client

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
            api_key=key, base_url=base_url, timeout=options.timeout_s, max_retries=0,
            default_headers=options.headers,
        )
        self.adapter = adapter_of(options)
        self._interval = 60.0 / options.rpm if options.rpm else 0.0
        self._next_slot = 0.0
        self._slot_lock = asyncio.Lock() if self._interval else None

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.options.attempts)

    def sent_settings(self) -> dict[str, Any]:
        return self.adapter.settings()

    def prices(self) -> tuple[float, float] | None:
        return prices_of(self.options)

    async def _pace(self) -> None:
        assert self._slot_lock is not None
        async with self._slot_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        """Close the HTTP client inside the event loop that used it."""
        await self._client.close()

    async def complete(self, request: Request) -> Completion:
        if self._interval:
            await self._pace()
        base = request_body(self.options, request)
        for _ in range(MAX_ADAPTATIONS + 1):
            body = self.adapter.shape(base, request.max_tokens)
            start = time.perf_counter()
            try:
                data = await self._post(body)
            except self._openai.BadRequestError as exc:
                # A 400 that names a parameter we may change is retried at once, changed;
                # it is no failure of the question.
                text = _error_text(exc)
                if self.adapter.learn(body, exc.param, exc.code, text) is None:
                    raise BackendCallError(f"HTTP 400: {_short(text)}", transient=False) from None
                continue
            return parse_reply(data, request, self.adapter, time.perf_counter() - start)
        raise BackendCallError("HTTP 400: the server kept rejecting the request's parameters "
                               f"({self.adapter.settings()})", transient=False)

    async def _post(self, body: dict[str, Any]) -> Any:
        openai = self._openai
        try:
            # The client's own POST: the same HTTP stack, auth, timeout and error classes as
            # `chat.completions.create`, without its typed walk over the request body and the
            # typed response (about 1.7 ms of CPU a request: most of the runner's budget at
            # 400 req/s). `cast_to=object` returns the JSON body as parsed.
            return await self._client.post("/chat/completions", body=body, cast_to=object)
        except openai.BadRequestError:
            raise
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
                f"HTTP {status}: {_short(_error_text(exc))}", transient=transient,
                retry_after=retry_after(exc.response.headers) if transient else None,
            ) from None
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise BackendCallError(f"malformed response: {_short(str(exc))}",
                                   transient=True) from None


def request_body(options: OpenAIOptions, request: Request) -> dict[str, Any]:
    """The chat-completions body for `request`, before any adaptation to the server; a batch
    file carries the same body as a live run."""
    o = options
    body: dict[str, Any] = {"model": o.model, "messages": request.messages,
                            "temperature": request.temperature}
    if request.seed is not None:
        body["seed"] = request.seed
    if request.stop:
        body["stop"] = list(request.stop)
    if o.reasoning_effort is not None:
        body["reasoning_effort"] = o.reasoning_effort
    if o.top_p is not None:
        body["top_p"] = o.top_p
    body.update(o.extra_body or {})
    return body


def parse_reply(data: Any, request: Request, adapter: Adapter,
                latency: float = 0.0) -> Completion:
    """A chat-completion body as a Completion. Raises BackendCallError for a reply that is
    no reply: malformed, or with no content and no reason for none."""
    try:
        choice = data["choices"][0]
        message = choice.get("message") or {}
        content = message.get("content")
        refusal = message.get("refusal") or None
        finish = _FINISH.get(str(choice.get("finish_reason")), "other") \
            if choice.get("finish_reason") is not None else None
        reasoning = message.get("reasoning_content") or message.get("reasoning") or None
        usage = data.get("usage") or {}
        details = usage.get("completion_tokens_details") or {}
        prompt_details = usage.get("prompt_tokens_details") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        raise BackendCallError(f"malformed response: {_short(str(data))}",
                               transient=True) from None
    if not isinstance(content, str) and content is not None:
        raise BackendCallError(f"malformed response: content is {type(content).__name__}",
                               transient=True)
    if content is None and refusal is None and finish != "length":
        # No answer and no reason for none: a server fault, worth a bounded retry.
        raise BackendCallError("the reply had no content", transient=True)
    return Completion(
        text=content or "", finish_reason=finish, reasoning=reasoning, refusal=refusal,
        stop_sent="stop" not in adapter.dropped,
        latency_s=latency, model=data.get("model"),
        prompt_tokens=usage.get("prompt_tokens") or 0,
        completion_tokens=usage.get("completion_tokens") or 0,
        reasoning_tokens=details.get("reasoning_tokens"),
        cached_tokens=prompt_details.get("cached_tokens"),
    )


def _error_text(exc: Any) -> str:
    """The server's own message from an error body, else the client's summary of it."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return str(exc.message)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
