"""The fake Files + Batches API of tests/batchserver.py, driven by the real `openai` client."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types import Batch, FileObject
from openai.types.chat import ChatCompletion

from tests.batchserver import BatchServer

QUESTIONS = {f"q{n}": f"How many crewmen died in accident {n}, café?" for n in range(8)}
GOLDS = {q: f"{n} crewmen" for n, q in enumerate(QUESTIONS.values())}


def jsonl(cids: list[str]) -> bytes:
    rows = [{"custom_id": c, "method": "POST", "url": "/v1/chat/completions", "body": {
        "model": "m", "messages": [{"role": "system", "content": "Be brief."}, {
            "role": "user", "content": f"Articles...\nQuestion: {QUESTIONS[c]}\nAnswer:"}]}}
            for c in cids]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.fixture
def server() -> Iterator[BatchServer]:
    s = BatchServer(GOLDS).start()
    yield s
    s.stop()


@pytest.fixture
def client(server: BatchServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)


def submit(client: openai.OpenAI, cids: list[str]) -> str:
    f = client.files.create(file=("in.jsonl", jsonl(cids)), purpose="batch")
    return client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                 completion_window="24h", metadata={"run": "t"}).id


def poll(client: openai.OpenAI, bid: str) -> list[str]:
    """The statuses seen until the batch ends, each response checked against `Batch`."""
    seen: list[str] = []
    for _ in range(10):
        raw = client.batches.with_raw_response.retrieve(bid)
        batch = Batch.model_validate(json.loads(raw.text))  # strict: every field well typed
        seen.append(batch.status)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return seen
    raise AssertionError(seen)


def rows(client: openai.OpenAI, fid: str | None) -> list[dict[str, Any]]:
    assert fid is not None
    return [json.loads(x) for x in client.files.content(fid).text.splitlines()]


def test_upload_create_poll_download(client: openai.OpenAI, server: BatchServer,
                                     tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(list(QUESTIONS)).replace(b"\n", b"\r\n", 1))
    with path.open("rb") as fh:
        f = client.files.create(file=fh, purpose="batch")
    assert FileObject.model_validate(f.model_dump()).filename == "in.jsonl"
    assert f.bytes == path.stat().st_size and client.files.retrieve(f.id).id == f.id
    assert client.files.content(f.id).read() == path.read_bytes()
    b = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                              completion_window="24h", metadata={"run": "r1"})
    assert (b.status, b.metadata, b.output_file_id) == ("validating", {"run": "r1"}, None)
    assert poll(client, b.id) == ["in_progress", "finalizing", "completed"]
    done = client.batches.retrieve(b.id)
    assert done.request_counts is not None and done.request_counts.completed == 8
    assert done.error_file_id is None and done.completed_at and done.in_progress_at
    out = rows(client, done.output_file_id)
    assert [r["custom_id"] for r in out] != list(QUESTIONS)  # shuffled
    assert sorted(r["custom_id"] for r in out) == list(QUESTIONS)
    for r in out:
        assert r["error"] is None and r["response"]["status_code"] == 200
        reply = ChatCompletion.model_validate(r["response"]["body"])
        assert reply.choices[0].message.content == GOLDS[QUESTIONS[r["custom_id"]]]
        assert reply.choices[0].finish_reason == "stop" and reply.usage is not None
    assert server.created == [b.id] and server.uploads == [f.id]
    assert server.batches[b.id]["custom_ids"] == list(QUESTIONS)
    assert server.requests["GET /batches/{id}"] == 4
    assert [x.id for x in client.batches.list()] == [b.id]


def test_failures_then_resubmission(client: openai.OpenAI, server: BatchServer) -> None:
    server.fail_first_n, server.fail_first = 2, {"q6"}
    first = submit(client, ["q0", "q1", "q2", "q3"])
    assert poll(client, first)[-1] == "completed"
    b = client.batches.retrieve(first)
    assert b.request_counts is not None and (b.request_counts.completed, b.request_counts.failed) \
        == (2, 2)
    bad = rows(client, b.error_file_id)
    assert sorted(r["custom_id"] for r in bad) == ["q0", "q1"]
    assert {r["response"]["status_code"] for r in bad} == {500}
    assert bad[0]["response"]["body"]["error"]["type"] == "server_error"
    again = submit(client, ["q0", "q1", "q6"])  # q6 fails in the first batch holding it
    poll(client, again)
    b = client.batches.retrieve(again)
    assert sorted(r["custom_id"] for r in rows(client, b.output_file_id)) == ["q0", "q1"]
    assert [r["custom_id"] for r in rows(client, b.error_file_id)] == ["q6"]
    third = submit(client, ["q6"])
    poll(client, third)
    assert client.batches.retrieve(third).error_file_id is None
    assert server.created == [first, again, third]
    assert [server.batches[x]["custom_ids"] for x in server.created[1:]] == [
        ["q0", "q1", "q6"], ["q6"]]


def test_expired_and_failed_batches(client: openai.OpenAI, server: BatchServer) -> None:
    server.expire = True
    bid = submit(client, list(QUESTIONS))
    assert poll(client, bid) == ["in_progress", "expired"]
    b = client.batches.retrieve(bid)
    assert len(rows(client, b.output_file_id)) == 4 and b.error_file_id is None and b.expired_at
    assert poll(client, submit(client, ["q0"]))[-1] == "completed"  # one-shot
    server.fail_batch = True
    bid = submit(client, ["q0"])
    assert poll(client, bid) == ["failed"]
    b = client.batches.retrieve(bid)
    assert b.errors is not None and b.errors.data and b.errors.data[0].code == "invalid_request"
    assert b.output_file_id is None and b.failed_at
    f = client.files.create(file=("bad.jsonl", b'{"custom_id": "x"}\n'), purpose="batch")
    bid = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                completion_window="24h").id
    assert poll(client, bid) == ["failed"]


def test_cancel(client: openai.OpenAI, server: BatchServer) -> None:
    server.unfinished_errors = True
    bid = submit(client, list(QUESTIONS))
    client.batches.retrieve(bid)
    assert client.batches.cancel(bid).status == "cancelling"
    b = client.batches.retrieve(bid)
    assert b.status == "cancelled" and b.cancelled_at and b.cancelling_at
    assert len(rows(client, b.output_file_id)) == 4
    assert {r["error"]["code"] for r in rows(client, b.error_file_id)} == {"batch_cancelled"}
    bid = submit(client, ["q0"])
    client.batches.cancel(bid)
    assert poll(client, bid) == ["cancelled"]
    assert client.batches.retrieve(bid).output_file_id is None
    done = submit(client, ["q0"])
    poll(client, done)
    with pytest.raises(openai.BadRequestError):
        client.batches.cancel(done)


def test_unknown_ids_are_404(client: openai.OpenAI) -> None:
    for call in (lambda: client.batches.retrieve("batch_nope"),
                 lambda: client.batches.cancel("batch_nope"),
                 lambda: client.files.retrieve("file-nope"),
                 lambda: client.files.content("file-nope"),
                 lambda: client.batches.create(input_file_id="file-nope",
                                               endpoint="/v1/chat/completions",
                                               completion_window="24h")):
        with pytest.raises(openai.NotFoundError) as e:
            call()
        assert isinstance(e.value.body, dict) and e.value.body["type"] == "invalid_request_error"


def test_separate_process(tmp_path: Path) -> None:
    state = tmp_path / "state"
    script = Path(__file__).with_name("batchserver.py")

    def serve() -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen([sys.executable, str(script), "--fail-first-n", "1", "--state",
                                 str(state)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}/v1"

    proc, url = serve()
    try:
        client = openai.OpenAI(base_url=url, api_key="x", max_retries=0)
        bid = submit(client, ["q0", "q1"])
        poll(client, bid)
    finally:
        proc.kill()
        proc.wait()
    proc, url = serve()  # a restart with --state carries on
    try:
        client = openai.OpenAI(base_url=url, api_key="x", max_retries=0)
        assert client.batches.retrieve(bid).status == "completed"
        retry = submit(client, ["q0"])
        with urllib.request.urlopen(f"{url}/_stats") as r:
            stats = json.load(r)
    finally:
        proc.kill()
        proc.wait()
    assert stats["created"] == [bid, retry]
    assert stats["batches"][bid] | {"status": "completed", "custom_ids": ["q0", "q1"],
                                    "fail": ["q0"]} == stats["batches"][bid]
    assert stats["batches"][retry]["custom_ids"] == ["q0"]
    assert stats["requests"]["POST /batches"] == 2
