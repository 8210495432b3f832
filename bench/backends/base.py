"""The backend contract: one async method, a pydantic `Options`, and what the runner may ask."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

from bench import defaults
from bench.backends.retry import RetryPolicy

if TYPE_CHECKING:
    from bench.dataset import Question

FinishReason = Literal["stop", "length", "content_filter", "tool_calls", "other"]

TRANSPORT: JsonDict = {"transport": True}
"""Field metadata: the option changes how answers are fetched, never what they are (a timeout,
a rate limit); a run may resume with another value."""
SECRET: JsonDict = {"secret": True}
"""Field metadata: the option is never written to a result, journal or log."""


class Completion(BaseModel):
    """What a backend returns for one request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    """The reply's text as the server sent it; the model-call layer (`bench.backends.call`)
    moves `<think>` blocks out of it and applies a stop sequence the server did not."""
    finish_reason: FinishReason | None = None
    """Why generation stopped, as the server said (`length`: cut off by the token limit)."""
    reasoning: str | None = None
    """Reasoning text the model produced besides its answer; never graded."""
    refusal: str | None = None
    """A refusal the server returned in place of content."""
    prompt_tokens: int = 0
    """Prompt tokens, as the backend counts them (0 when unknown)."""
    completion_tokens: int = 0
    """Completion tokens, reasoning included (0 when unknown)."""
    reasoning_tokens: int | None = None
    """Of the completion tokens, those spent on reasoning, when the server reports them."""
    cached_tokens: int | None = None
    """Of the prompt tokens, those served from the server's prompt cache, when reported."""
    latency_s: float = 0.0
    """Wall time of the call, seconds."""
    model: str | None = None
    """The model that answered, as the server names it."""
    stop_sent: bool = True
    """Whether the request's stop sequences were sent to the server, which applied them;
    False where the backend had to leave them out (the server rejects `stop`)."""


@dataclass(frozen=True)
class Request:
    """One prompt to a backend. Baselines may read `question`; real models only see `messages`."""

    messages: list[dict[str, str]]
    question: Question | None = None
    mode: str = "closed-book"
    temperature: float = 0.0
    max_tokens: int = defaults.MAX_TOKENS
    seed: int | None = None
    stop: tuple[str, ...] = field(default=())
    cite: bool = False
    """The prompt asks for evidence after the answer (a baseline gives its own)."""


class BatchCodec(Protocol):
    """How a backend's requests go into batch files and its outputs come back (`bench batch`,
    `bench run --batch`): the same body a live call sends, read back the same way."""

    poll_s: float
    """Seconds between status checks of a running batch."""
    rounds: int
    """Batches a run may submit: the first, then one for each round of failures."""

    def body(self, request: Request) -> dict[str, Any]:
        """The request body a live call would send."""
        ...

    def parse(self, body: Any, request: Request) -> Completion:
        """One output body as a completion; `BackendCallError` for one that is no reply."""
        ...

    def sent_settings(self) -> dict[str, Any]:
        """What the bodies were adapted to, for the result."""
        ...

    def prices(self) -> tuple[float, float] | None:
        """(input, output) price per million tokens, when the user gave them."""
        ...


class BaseOptions(BaseModel):
    """Options every backend shares; each backend subclasses with its own.

    Mark a secret field with `json_schema_extra={"secret": True}` (or type it `SecretStr`): it
    is then never written to a result, journal or log."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Backend(abc.ABC):
    """A model behind one async method.

    Subclasses set `name` and `Options`, take their options in `__init__`, and implement
    `complete`. The rest has defaults the runner relies on."""

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = BaseOptions

    # Capabilities: what the judge, batch and run paths may ask of a backend.
    is_baseline: ClassVar[bool] = False
    """Answers without reading the prompt's text (a baseline): it cannot judge."""
    needs_model_name: ClassVar[bool] = False
    """Serves many models and must be told which (`model`); a judge needs a judge model."""
    supports_batch: ClassVar[bool] = False
    """Its requests can go into batch files (`batch_codec`) and, given a live backend, through
    a Files and Batches API (`batch_client`)."""

    def __init__(self, options: Any) -> None:
        self.options = options

    @property
    def model_name(self) -> str | None:
        """The model's name for result files and default run ids."""
        return getattr(self.options, "model", None)

    def retry_policy(self) -> RetryPolicy:
        """How the runner retries this backend's transient errors."""
        return RetryPolicy()

    @abc.abstractmethod
    async def complete(self, request: Request) -> Completion:
        """Answer one request, or raise `BackendCallError` (transient or not)."""

    def prices(self) -> tuple[float, float] | None:
        """(input, output) price per million tokens, when the user gave them."""
        return None

    @classmethod
    def batch_codec(cls, options: Any) -> BatchCodec:
        """Batch files of this backend's requests; only where `supports_batch`."""
        raise NotImplementedError(f"backend {cls.name!r} does not support batch files")

    def batch_client(self) -> Any:
        """An async client with the Files and Batches API; only where `supports_batch`."""
        raise NotImplementedError(f"backend {self.name!r} has no Batches API")

    def sent_settings(self) -> dict[str, Any]:
        """What the backend actually sends where it adapted to the server, for the result."""
        return {}

    async def aclose(self) -> None:  # noqa: B027  (a default that does nothing is the point)
        """Release connections or threads; called once when a run is done."""
