"""One batch line each way: deterministic custom ids, request lines, and output lines read
back into answers or errors, matched on `custom_id`, never on order."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.backends.base import BatchCodec, Completion, Request
from bench.backends.call import settle
from bench.errors import BackendCallError
from bench.fileio import canonical_json
from bench.pipeline.plan import Item

URL = "/v1/chat/completions"
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
"""Per input file, as the OpenAI Batch API allows."""
_PLAIN_ID = re.compile(r"[A-Za-z0-9-]{1,40}")
# Anthropic's rule, kept so that one file serves every provider.
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def run_tag(run_id: str, settings: dict[str, Any]) -> str:
    """8 hex characters naming a run and its settings: a line of another run is told apart."""
    return hashlib.sha256(f"{run_id}\0{canonical_json(settings)}".encode()).hexdigest()[:8]


class CustomIds:
    """custom_id <-> (question id, sample) for a run's items.

    `<tag>_<question id>_<sample>` when the id is plain (letters, digits, '-'), else
    `<tag>__<index>_<sample>` by the question's place in the run: always within
    `^[a-zA-Z0-9_-]{1,64}$`."""

    def __init__(self, tag: str, items: Iterable[Item]):
        self.tag = tag
        self.by_id: dict[str, tuple[str, int]] = {}
        self.of: dict[tuple[str, int], str] = {}
        index: dict[str, int] = {}
        for it in items:
            qid = it.question.id
            n = index.setdefault(qid, len(index))
            middle = qid if _PLAIN_ID.fullmatch(qid) else f"_{n}"
            cid = f"{tag}_{middle}_{it.sample}"
            self.by_id[cid] = (qid, it.sample)
            self.of[(qid, it.sample)] = cid


def request_line(custom_id: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": URL, "body": body},
                      ensure_ascii=False) + "\n"


def chunks(lines: list[str], max_requests: int = MAX_REQUESTS,
           max_bytes: int = MAX_BYTES) -> Iterator[list[str]]:
    """Lines split into files within the per-file limits."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        n = len(line.encode("utf-8"))
        if chunk and (len(chunk) >= max_requests or size + n > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += n
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Outcome:
    """One output line read back: an answer, an error, or a problem with the line itself."""

    where: str
    key: tuple[str, int] | None = None
    completion: Completion | None = None
    error: str | None = None
    problem: str | None = None


def _error_of(line: dict[str, Any], response: dict[str, Any] | None) -> str:
    err = line.get("error")
    if isinstance(err, dict):
        return f"{err.get('code') or 'error'}: {err.get('message') or err}"
    if isinstance(err, str) and err:
        return err
    body = (response or {}).get("body")
    status = (response or {}).get("status_code")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return f"HTTP {status}: {body['error'].get('message') or body['error']}"
    return f"HTTP {status}" if status else "failed without a reason"


def read_outputs(lines: Iterable[bytes], shown: str, ids: CustomIds,
                 requests: dict[tuple[str, int], Request],
                 codec: BatchCodec) -> Iterator[Outcome]:
    """Each non-blank line of an output or error file as an Outcome."""
    for n, raw in enumerate(lines, 1):
        where = f"{shown}:{n}"
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            yield Outcome(where, problem=f"{where}: not a batch output line ({exc})")
            continue
        cid = line.get("custom_id")
        if not isinstance(cid, str) or not cid:
            yield Outcome(where, problem=f"{where}: no custom_id")
            continue
        key = ids.by_id.get(cid)
        if key is None:
            tag = cid.split("_", 1)[0]
            why = (f"belongs to another run (tag {tag}, this run's is {ids.tag})"
                   if tag != ids.tag else "unknown custom_id for this run")
            yield Outcome(where, problem=f"{where}: {cid}: {why}")
            continue
        response = line.get("response")
        if not isinstance(response, dict):
            response = None
        body = response.get("body") if response else None
        status = response.get("status_code") if response else None
        if status != 200 or not isinstance(body, dict) or line.get("error"):
            yield Outcome(where, key, error=_error_of(line, response))
            continue
        try:
            reply = codec.parse(body, requests[key])
        except BackendCallError as exc:
            yield Outcome(where, key, error=str(exc))
            continue
        # A batch cannot be asked again at once: a reply whose reasoning the stop sequence
        # cut holds no answer, like one cut by the token limit.
        completion = settle(reply, requests[key], client_stop=False) or reply.model_copy(
            update={"text": "", "finish_reason": "length"})
        yield Outcome(where, key, completion=completion)
