"""Where a run's files go, and the rules that keep them honest: run ids, reserved names,
selection hashes, no silent overwrite of a larger run, a writable folder checked up front."""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.errors import UsageError
from bench.records import Record
from bench.targets import run_id_suffix
from bench.verdicts import Verdict

RESERVED_IDS = frozenset({"leaderboard"})
"""Names whose `<id>.json` another bench file owns."""
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def default_run_id(backend: str, model: str | None, mode: str,
                   n_selected: int | None = None, target: float | None = None) -> str:
    """`backend-model-mode`, with `-<n>q` for a part of the set so it never replaces a full run,
    and `-t<target>` at a confidence target so that runs at several targets live side by side."""
    stem = Path(model).stem if model else "default"
    base = f"{backend}-{stem}-{mode}" + (f"-{n_selected}q" if n_selected is not None else "")
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-").lower()
    return base + (run_id_suffix(target) if target is not None else "")


def check_run_id(run_id: str, param: str = "run_id") -> str:
    """`run_id` if it can name a result file; else a usage error naming `param`."""
    if not _RUN_ID.fullmatch(run_id):
        raise UsageError(f"{{{param}}} {run_id!r}: use letters, digits, '.', '_' and '-'",
                         params=(param,))
    if run_id.lower() in RESERVED_IDS:
        raise UsageError(f"{{{param}}} {run_id!r} is reserved (the leaderboard writes "
                         f"{run_id}.json); choose another name", params=(param,))
    return run_id


def ensure_writable(folder: Path) -> None:
    """Fail now, with one line, rather than after the model calls have been paid for."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".bench-write-check.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write there ({exc.strerror}); fix its "
                         "permissions or choose another {out_dir}",
                         params=("out_dir",)) from None


def check_overwrite(path: Path, selection: str, n_selected: int, fresh: bool) -> None:
    """Refuse to replace a result over another selection of questions unless told to."""
    if fresh or not path.exists():
        return
    from bench.results.read import read_result

    try:
        old = read_result(path).run
    except Exception:
        return
    if old.selection_sha256 is not None and old.selection_sha256 != selection:
        n_old = old.n_questions_total if not old.subset else len(old.selected_ids or [])
        raise UsageError(
            f"{path} holds a run over another selection of questions ({n_old} questions; "
            f"this one asks {n_selected}); start {{fresh}} to replace it, or choose another "
            "{run_id}", params=("fresh", "run_id"))


def commonest_error(records: Sequence[Record]) -> tuple[str, int] | None:
    """The most frequent error message among failed records, and how often it occurred."""
    errors = Counter(r.reason for r in records if r.verdict == Verdict.ERROR)
    return errors.most_common(1)[0] if errors else None
