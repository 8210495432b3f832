"""The backend protocol and its registry (entry-point group `bench.backends`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.errors import ConfigError

if TYPE_CHECKING:
    from bench.dataset import Question

GROUP = "bench.backends"


class Completion(BaseModel):
    """What a backend returns for one request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    """The completion text."""
    prompt_tokens: int = 0
    """Prompt tokens, as the backend counts them (0 when unknown)."""
    completion_tokens: int = 0
    """Completion tokens (0 when unknown)."""
    latency_s: float = 0.0
    """Wall time of the call, seconds."""
    model: str | None = None
    """The model that answered, as the server names it."""


@dataclass(frozen=True)
class Request:
    """One prompt to a backend. Baselines may read `question`; real models only see `messages`."""

    messages: list[dict[str, str]]
    question: Question | None = None
    mode: str = "closed-book"
    temperature: float = 0.0
    max_tokens: int = 128
    seed: int | None = None
    stop: tuple[str, ...] = ()


class BaseOptions(BaseModel):
    """Options every backend shares; each backend subclasses with its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@runtime_checkable
class Backend(Protocol):
    """A model behind one async method. `Options` is its pydantic options model."""

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]]

    async def complete(self, request: Request) -> Completion: ...


def available() -> dict[str, Any]:
    """Registered backends by name, as entry points (nothing imported yet)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def backend_class(name: str) -> type:
    eps = available()
    if name not in eps:
        close = difflib.get_close_matches(name, list(eps), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(eps)) or "none (is bench installed? pip install -e .)"
        raise ConfigError(f"unknown backend {name!r}{hint} (known: {known})")
    return eps[name].load()


def create(name: str, options: dict[str, Any]) -> Any:
    """Build a backend from its name and raw options, with one clear line for a bad option."""
    cls = backend_class(name)
    try:
        opts = cls.Options.model_validate(options)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "options"
        fields = ", ".join(cls.Options.model_fields)
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(where, list(cls.Options.model_fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"backend {name!r} has no option {where!r}{hint} (options: {fields})"
            ) from None
        raise ConfigError(f"backend {name!r} option {where!r}: {err['msg']}") from None
    return cls(opts)


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` flags to a dict; values are JSON when they parse as JSON, else strings."""
    import json

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"option {pair!r} is not KEY=VALUE")
        try:
            out[key.replace("-", "_")] = json.loads(value)
        except ValueError:
            out[key.replace("-", "_")] = value
    return out


def public_options(options: BaseModel) -> dict[str, Any]:
    """Options as they go into result files: secrets never included."""
    data = options.model_dump(mode="json")
    return {k: v for k, v in data.items() if "key" not in k.lower() or k.endswith("_env")}
