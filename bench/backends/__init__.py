"""The backend registry (entry-point group `bench.backends`); the contract is in `base`."""

from __future__ import annotations

import difflib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from bench.backends.base import Backend, BaseOptions, Completion, FinishReason, Request
from bench.errors import ConfigError, field_path

__all__ = [
    "GROUP",
    "Backend",
    "BaseOptions",
    "Completion",
    "FinishReason",
    "Request",
    "answer_options",
    "available",
    "backend_class",
    "create",
    "is_secret",
    "public_options",
    "validate_options",
]

GROUP = "bench.backends"


class _Adapted(Backend):
    """A plugin that does not subclass `Backend`: any class with `Options` and `complete`.

    Wrapped so the runner sees one contract; its own `model_name`, `aclose` and
    `retry_overrides` are used when present, and capabilities it declares are kept."""

    name = "adapted"

    def __init__(self, inner: Any) -> None:
        super().__init__(inner.options)
        self.inner = inner

    @property
    def model_name(self) -> str | None:
        return getattr(self.inner, "model_name", None) or super().model_name

    def retry_policy(self) -> Any:
        from bench.backends.retry import RetryPolicy

        return RetryPolicy(**getattr(self.inner, "retry_overrides", {}))

    async def complete(self, request: Request) -> Completion:
        completion: Completion = await self.inner.complete(request)
        return completion

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


def available() -> dict[str, EntryPoint]:
    """Registered backends by name, as entry points (nothing imported yet)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def backend_class(name: str) -> Any:
    eps = available()
    if name not in eps:
        close = difflib.get_close_matches(name, list(eps), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(eps)) or "none (is bench installed? pip install -e .)"
        raise ConfigError(f"unknown backend {name!r}{hint} (known: {known})")
    return eps[name].load()


def validate_options(name: str, options: dict[str, Any]) -> BaseModel:
    """A backend's raw options checked by its `Options` model, with one clear line if bad."""
    cls = backend_class(name)
    try:
        opts: BaseModel = cls.Options.model_validate(options)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = field_path(err["loc"]) if err["loc"] else "options"
        fields = ", ".join(cls.Options.model_fields)
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(where, list(cls.Options.model_fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"backend {name!r} has no option {where!r}{hint} (options: {fields})"
            ) from None
        if err["type"] == "missing" and where in cls.Options.model_fields:
            about = cls.Options.model_fields[where].description
            raise ConfigError(
                f"backend {name!r} needs option {where!r}"
                + (f" ({about})" if about else "") + f": add -o {where}=VALUE"
            ) from None
        raise ConfigError(f"backend {name!r} option {where!r}: {err['msg']}") from None
    return opts


def create(name: str, options: dict[str, Any]) -> Backend:
    """Build a backend from its name and raw options, with one clear line for a bad option."""
    opts = validate_options(name, options)
    backend = backend_class(name)(opts)
    return backend if isinstance(backend, Backend) else _Adapted(backend)


def is_secret(options: type[BaseModel], field: str) -> bool:
    """A field marked secret: typed `SecretStr`, or `json_schema_extra={"secret": True}`."""
    info = options.model_fields[field]
    extra = info.json_schema_extra
    marked = isinstance(extra, dict) and bool(extra.get("secret"))
    return marked or info.annotation in (SecretStr, SecretStr | None)


def is_transport(options: type[BaseModel], field: str) -> bool:
    """A field that changes how answers are fetched, never what they are (timeout, rate)."""
    extra = options.model_fields[field].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("transport"))


def answer_options(options: BaseModel) -> dict[str, Any]:
    """Public options that can change the answers: a run resumes only if these match."""
    return {k: v for k, v in public_options(options).items()
            if not is_transport(type(options), k)}


def public_options(options: BaseModel) -> dict[str, Any]:
    """Options as they go into result files: secrets never included."""
    data = options.model_dump(mode="json")
    return {k: v for k, v in data.items() if not is_secret(type(options), k)}
