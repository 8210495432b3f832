"""Small file helpers: atomic writes, so that no reader ever sees a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench.errors import UsageError


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder, then rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror}); check the folder's "
                         "permissions and free space") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as any file the user creates; mkstemp makes 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # disk full, quota: the old file stays, no half-written one
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write ({exc.strerror}); check the folder's "
                         "permissions and free space") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cache_home() -> Path:
    """Where bench keeps what it can make again: `$XDG_CACHE_HOME/bench` (`~/.cache/bench`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "bench"


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def atomic_write_json(path: str | Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def canonical_json(data: Any) -> str:
    """The one serialisation that content hashes are taken over."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def jsonl_objects(lines: Iterable[bytes], shown: str) -> Iterator[tuple[str, Any, str | None]]:
    """(where, object, problem) for each non-blank line: `problem` is a full `file:line: ...`
    message when the line is not UTF-8, not JSON or not a JSON object (`object` is then None)."""
    for lineno, raw in enumerate(lines, 1):
        where = f"{shown}:{lineno}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield where, None, (f"{where}: not UTF-8 (byte {exc.start}: {raw[exc.start]:#04x}); "
                                "save the file as UTF-8")
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line.rstrip("\r\n"))
        except ValueError as exc:
            msg = f"{exc.msg}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                else str(exc)
            yield where, None, f"{where}: invalid JSON ({msg})"
            continue
        if not isinstance(value, dict):
            yield where, None, f"{where}: expected a JSON object, got {type(value).__name__}"
            continue
        yield where, value, None
