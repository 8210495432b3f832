"""The run journal: every answer appended and flushed the moment it arrives, read back on resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.errors import UsageError
from bench.evidence.models import Quote

JOURNAL_VERSION = 1


class JournalEntry(BaseModel):
    """One finished call: the answer, or the error that prevented it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Question id."""
    sample: int = 0
    """Sample index (`--repeats`)."""
    response: str | None = None
    """The answer text; null when the call failed."""
    error: str | None = None
    """Why the call failed, when it did."""
    confidence: float | None = None
    """The confidence the model stated, when asked for one."""
    evidence: tuple[Quote, ...] | None = None
    """The quotes the reply gave after its answer, when evidence was asked for (`--cite`)."""
    latency_s: float | None = None
    """Wall time of the successful call, seconds."""
    prompt_tokens: int | None = None
    """Prompt tokens of the call."""
    completion_tokens: int | None = None
    """Completion tokens of the call, reasoning included."""
    reasoning_tokens: int | None = None
    """Of those, the tokens spent on reasoning, when the server reports them."""
    cached_tokens: int | None = None
    """Prompt tokens served from the server's cache, when it reports them."""
    finish_reason: str | None = None
    """Why the model stopped: `length` marks a reply cut off by the token limit."""
    reasoning: str | None = None
    """Reasoning text kept apart from the answer."""
    attempts: int | None = None
    """Calls made, retries included."""
    model: str | None = None
    """The model that answered, as the server named it."""

    @property
    def key(self) -> tuple[str, int]:
        return self.id, self.sample


def read_notes(path: Path, kind: str) -> list[dict[str, Any]]:
    """The `kind` lines of a journal, read without opening it for a run (damaged lines are
    skipped here: opening the journal reports them)."""
    out = []
    for raw in path.read_bytes().splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("type") == kind:
            out.append(entry)
    return out


class Journal:
    """Append-only JSONL: a header with the run's settings, then one line per finished call."""

    def __init__(self, path: Path, settings: dict[str, Any], *, fresh: bool = False):
        self.path = path
        self.settings = settings
        self.entries: dict[tuple[str, int], JournalEntry] = {}
        self.notes: list[dict[str, Any]] = []
        """Other typed lines, in order (a batch run's stored settings, batch and file ids)."""
        self.previous_wall_s = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            path.unlink(missing_ok=True)
        if path.exists() and path.stat().st_size:
            self._read(settings)
        else:
            self._fd = self._open()
            self._write({"type": "header", "version": JOURNAL_VERSION, "settings": settings})
            return
        self._fd = self._open()

    def _open(self) -> int:
        # O_APPEND: each line is one write() call, so lines never interleave or half-land.
        try:
            return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot write the journal ({exc.strerror})") from None

    def _read(self, settings: dict[str, Any]) -> None:
        data = self.path.read_bytes()
        if not data.endswith(b"\n"):
            # A crash mid-write left a cut last line: cut it off, so that the next answer
            # starts on a line of its own (that question is asked again).
            keep = data.rfind(b"\n") + 1
            os.truncate(self.path, keep)
            data = data[:keep]
        lines = data.split(b"\n")
        for n, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except ValueError:
                if n >= len(lines) - 1:
                    continue  # a line cut by a crash mid-write: that answer is asked again
                raise UsageError(
                    f"{self.path}:{n}: damaged journal line; remove it or start {{fresh}}",
                    params=("fresh",)) from None
            kind = entry.get("type")
            if kind == "header":
                if entry.get("settings") != settings:
                    diff = sorted(k for k in {*settings, *entry.get("settings", {})}
                                  if settings.get(k) != entry.get("settings", {}).get(k))
                    raise UsageError(
                        f"{self.path}: this run was started with other settings "
                        f"({', '.join(diff)}); start {{fresh}} or choose another {{run_id}}",
                        params=("fresh", "run_id"))
            elif kind == "answer":
                entry.pop("type")
                try:
                    answer = JournalEntry.model_validate(entry)
                except ValidationError:
                    raise UsageError(f"{self.path}:{n}: damaged journal line; remove it or "
                                     "start {fresh}", params=("fresh",)) from None
                self.entries[answer.key] = answer
            elif kind == "wall":
                self.previous_wall_s += float(entry.get("s", 0.0))
            elif isinstance(kind, str):
                self.notes.append(entry)

    def _write(self, entry: dict[str, Any]) -> None:
        try:
            os.write(self._fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError as exc:  # disk full: stop at once, the lines before are safe
            raise UsageError(f"{self.path}: cannot write the journal ({exc.strerror}); free "
                             "some space and run the same command again") from None

    def done(self) -> set[tuple[str, int]]:
        """(id, sample) pairs that have an answer; failed calls are asked again on resume."""
        return {k for k, e in self.entries.items() if e.response is not None}

    def record(self, entry: JournalEntry) -> None:
        self._write({"type": "answer", **entry.model_dump(exclude_none=True)})
        self.entries[entry.key] = entry

    def note(self, kind: str, **data: Any) -> None:
        """Journal a typed line at once (e.g. a batch id the moment it exists)."""
        entry = {"type": kind, **data}
        self._write(entry)
        self.notes.append(entry)

    def notes_of(self, kind: str) -> list[dict[str, Any]]:
        return [n for n in self.notes if n.get("type") == kind]

    def close(self, wall_s: float) -> None:
        self._write({"type": "wall", "s": round(wall_s, 3)})
        os.close(self._fd)
