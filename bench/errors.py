"""The error hierarchy: every user-facing failure says what went wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable, Sequence


class BenchError(Exception):
    """Base of all errors the CLI reports as one clean line, without a traceback.

    A message speaks the library's words: a setting is named `{name}` in the message and
    listed in `params`; `str()` shows the bare name ("resume and fresh contradict each other"),
    and the CLI renders each as the flag the user typed ("--resume and --fresh ...")."""

    exit_code = 1

    def __init__(self, message: str = "", *, params: Sequence[str] = ()):
        self.template = message
        self.params = tuple(params)
        super().__init__(self.render())

    def render(self, name: Callable[[str], str] = str) -> str:
        """The message with each setting named by `name` (the bare name by default)."""
        text = self.template
        for param in self.params:
            text = text.replace("{" + param + "}", name(param))
        return text


class UsageError(BenchError):
    """A command line that cannot be carried out as given (bad flag value, missing file)."""

    exit_code = 2


class DataError(BenchError):
    """An input file with problems; each problem is one `file:line: field: what is wrong` line."""

    exit_code = 1

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ConfigError(BenchError):
    """A backend or grader that cannot be set up (unknown name, bad option, missing API key)."""

    exit_code = 2


class BackendCallError(BenchError):
    """One call to a model failed; the runner records it against the item, never as an answer."""

    exit_code = 3

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.attempts: int | None = None
        """Calls made before giving up; set by the retry loop."""


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a reader writes it: `citations[0].quote`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "record"
