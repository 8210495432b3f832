"""`bench run --batch`: a run through a server's Files and Batches API.

Upload, create, poll, download, import, and resubmit only the failed requests, up to the
retry limit (`-o attempts=`). Every file and batch id is journaled the moment it exists, so a
run killed and started again picks up its batches: nothing is submitted or paid for twice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.backends.base import Backend
from bench.batch.lines import URL, chunks
from bench.batch.transfer import (
    Imported,
    absorb,
    codec_of,
    ids_of,
    lines_for,
    outcomes_of,
    store_settings,
    stored_settings,
)
from bench.errors import BackendCallError, UsageError
from bench.pipeline.ask import NoProgress, Progress
from bench.pipeline.journal import JournalEntry
from bench.pipeline.run import Interrupted, Prepared, RunOutcome, finish, prepare
from bench.settings import RunSettings

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
WINDOW = "24h"


def run_batch(settings: RunSettings, progress: Progress | None = None) -> RunOutcome:
    progress = progress or NoProgress()
    p = prepare(settings, progress)
    backend = p.backend
    assert backend is not None
    codec = codec_of(p)
    store_settings(p)
    start = time.perf_counter()
    try:
        asyncio.run(_drive(p, backend, progress))
    except KeyboardInterrupt:
        active = ", ".join(b["batch_id"] for b in _active(p)) or "none"
        p.close(time.perf_counter() - start)
        raise Interrupted(
            p.run_id, p.saved(), len(p.items), p.journal.path,
            note=f". Batches still running at the provider: {active}; they go on without "
            "bench. Run the same command again to pick them up (nothing is submitted twice), "
            f"or cancel them with the batch cancel command for run {p.run_id}") from None
    except BackendCallError as exc:
        p.close(time.perf_counter() - start)
        raise UsageError(f"the Batches API failed: {exc}; run the same command again to "
                         "continue (journaled batches are picked up, not resubmitted)") from None
    return finish(p, time.perf_counter() - start, sent=codec.sent_settings(),
                  prices=codec.prices())


def _active(p: Prepared) -> list[dict[str, Any]]:
    done = {n["batch_id"] for n in p.journal.notes_of("batch-done")}
    return [b for b in p.journal.notes_of("batch") if b["batch_id"] not in done]


async def _drive(p: Prepared, backend: Backend, progress: Progress) -> None:
    codec = codec_of(p)
    try:
        # A file uploaded just before a crash, with no batch yet: its batch is created now.
        batched = {b["input_file_id"] for b in p.journal.notes_of("batch")}
        for file in p.journal.notes_of("batch-file"):
            if file["file_id"] not in batched:
                await _create(p, backend, file, progress)
        while True:
            active = _active(p)
            if active:
                for b in active:
                    await _follow(p, backend, b, progress, codec.poll_s)
                continue
            todo = p.todo
            # One round asks every unanswered request; later rounds only the failed ones.
            if not todo or _rounds(p) >= codec.rounds:
                return
            await _submit(p, backend, todo, progress)
    finally:
        await backend.aclose()


def _rounds(p: Prepared) -> int:
    return len({f["round"] for f in p.journal.notes_of("batch-file")})


async def _call(what: str, coro: Any) -> Any:
    from openai import APIError

    try:
        return await coro
    except APIError as exc:
        raise BackendCallError(f"{what}: {exc}", transient=False) from None


async def _submit(p: Prepared, backend: Backend, todo: list[Any],
                  progress: Progress) -> None:
    client = backend.batch_client()
    lines = lines_for(p, todo)
    ids = ids_of(p)
    keys = [ids.of[(it.question.id, it.sample)] for it in todo]
    round_ = _rounds(p)
    pos = 0
    for part in chunks(lines):
        custom_ids = keys[pos: pos + len(part)]
        pos += len(part)
        name = f"{p.run_id}.r{round_}.{pos}.jsonl"
        file = await _call("upload", client.files.create(
            file=(name, "".join(part).encode("utf-8")), purpose="batch"))
        p.journal.note("batch-file", file_id=file.id, round=round_, custom_ids=custom_ids)
        await _create(p, backend, p.journal.notes_of("batch-file")[-1], progress)


async def _create(p: Prepared, backend: Backend, file: dict[str, Any],
                  progress: Progress) -> None:
    """A batch over an uploaded file, journaled the moment it exists."""
    batch = await _call("create batch", backend.batch_client().batches.create(
        input_file_id=file["file_id"], endpoint=URL, completion_window=WINDOW,
        metadata={"bench_run": p.run_id}))
    p.journal.note("batch", batch_id=batch.id, input_file_id=file["file_id"],
                   round=file["round"], custom_ids=file["custom_ids"])
    progress.note(f"submitted batch {batch.id}: {len(file['custom_ids'])} requests")


async def _follow(p: Prepared, backend: Backend, note: dict[str, Any],
                  progress: Progress, poll_s: float) -> None:
    client = backend.batch_client()
    seen = None
    while True:
        batch = await _call("poll", client.batches.retrieve(note["batch_id"]))
        counts = batch.request_counts
        shown = (batch.status, counts.completed if counts else 0, counts.failed if counts else 0)
        if shown != seen:
            total = counts.total if counts else len(note["custom_ids"])
            progress.note(f"batch {batch.id}: {shown[0]}, {shown[1]} of {total} done, "
                          f"{shown[2]} failed")
            seen = shown
        if batch.status in TERMINAL:
            break
        await asyncio.sleep(poll_s)
    counts_in = Imported(problems=[])
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            content = await _call("download", client.files.content(file_id))
            absorb(p, outcomes_of(p, content.read(), f"{batch.id}:{file_id}"), counts_in)
    for problem in counts_in.problems or []:
        progress.note(problem)
    # Requests with no line at all (a failed, expired or cancelled batch) are failures too:
    # the next round asks them again.
    ids = ids_of(p)
    why = f"batch {batch.id} ended {batch.status} before answering it"
    if batch.status == "failed" and batch.errors and batch.errors.data:
        why += f" ({batch.errors.data[0].message})"
    for cid in note["custom_ids"]:
        key = ids.by_id.get(cid)
        if key is not None and key not in p.journal.entries:
            p.journal.record(JournalEntry(id=key[0], sample=key[1], error=why, attempts=1))
    p.journal.note("batch-done", batch_id=batch.id, status=batch.status)


def cancel(run_id: str, out_dir: Any) -> list[str]:
    """Cancel the run's batches still running at the provider; their ids."""
    settings = stored_settings(run_id, out_dir, resume=True)
    p = prepare(settings, NoProgress())
    backend = p.backend
    assert backend is not None
    codec_of(p)
    active = [b["batch_id"] for b in _active(p)]

    async def go() -> None:
        try:
            for batch_id in active:
                await _call("cancel", backend.batch_client().batches.cancel(batch_id))
                p.journal.note("batch-cancel", batch_id=batch_id)
        finally:
            await backend.aclose()

    asyncio.run(go())
    p.close(0.0)
    return active
