"""A fake OpenAI Files + Batches API on 127.0.0.1, for tests, driven by the real `openai` client.

A batch moves one step on each GET /v1/batches/{id} (or every `polls_per_step` GETs):
validating -> in_progress -> finalizing -> completed. On completion every request line of the
input file is answered (the gold answer for the text after "Question: ") into an output file,
and the injected failures (500s) go to an error file; both come out shuffled (seeded).
`fail_first` / `fail_first_n` fail custom_ids only in the first batch holding them, so a
resubmission succeeds; `expire` / `fail_batch` are one-shot: they hit the next batch created.
Run as a script to serve from another process: `python tests/batchserver.py [--port N]
[--state FILE] [--questions questions.jsonl]`: the first stdout line is the port; GET
/v1/_stats gives the bookkeeping (batch ids in order, custom_ids per batch, statuses) as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import json
import os
import pickle
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

try:
    from tests.fakeserver import gold_answers
except ImportError:  # run as a script: tests/ itself is on sys.path
    from fakeserver import gold_answers  # type: ignore[no-redef,import-not-found,unused-ignore]

__all__ = ["BatchServer", "gold_answers"]

_QUESTION = re.compile(r"Question: (.*?)\n", re.S)
_TERMINAL = ("completed", "failed", "expired", "cancelled")
_PUBLIC = ("id", "object", "endpoint", "errors", "input_file_id", "completion_window", "status",
           "output_file_id", "error_file_id", "created_at", "in_progress_at", "expires_at",
           "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at",
           "cancelled_at", "request_counts", "metadata", "model")
_STATS = ("status", "custom_ids", "fail", "input_file_id", "output_file_id", "error_file_id",
          "request_counts", "metadata")
Json = dict[str, Any]


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.body = status, {"error": {"message": message, "type": kind,
                                                    "param": None, "code": None}}


def _new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


class BatchServer:
    def __init__(self, answers: dict[str, str] | None = None, *,
                 answer: Callable[[Json], str] | None = None, fail_first: Iterable[str] = (),
                 fail_first_n: int = 0, fail_status: int = 500, expire: bool = False,
                 fail_batch: bool = False, unfinished_errors: bool = False,
                 polls_per_step: int = 1, finalizing: bool = True, seed: int = 0,
                 port: int = 0, state_path: str | Path | None = None):
        self.answers = answers or {}
        self.answer = answer or self.gold
        """Chat request body -> the reply's content."""
        self.fail_first, self.fail_first_n, self.fail_status = set(fail_first), fail_first_n, \
            fail_status
        self.expire, self.fail_batch = expire, fail_batch
        """One-shot: the next batch created expires (half its lines run) / fails validation."""
        self.unfinished_errors = unfinished_errors
        """Expired/cancelled batches list their unrun lines in the error file (as OpenAI does)."""
        self.polls_per_step, self.finalizing, self.seed = polls_per_step, finalizing, seed
        self.port, self.state_path = port, Path(state_path) if state_path else None
        self.files: dict[str, Json] = {}
        self.contents: dict[str, bytes] = {}
        self.uploads: list[str] = []
        self.batches: dict[str, Json] = {}
        self.created: list[str] = []
        self.requests: Counter[str] = Counter()
        """'GET /batches/{id}' etc. -> how many requests."""
        self.seen: set[str] = set()
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if self.state_path and self.state_path.exists():  # a restart: carry on from there
            self.__dict__.update(pickle.loads(self.state_path.read_bytes()))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def bind(self) -> ThreadingHTTPServer:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version, disable_nagle_algorithm = "HTTP/1.1", True

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api._serve(self)

            do_POST = do_DELETE = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        return self._httpd

    def start(self) -> BatchServer:
        httpd = self.bind()
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def gold(self, body: Json) -> str:
        """The default answer: the gold answer of the last user message's question."""
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        content = users[-1].get("content") if users else ""
        m = _QUESTION.search(content if isinstance(content, str) else json.dumps(content))
        return self.answers.get(m.group(1).strip() if m else "", "I don't know.")

    def stats(self) -> Json:
        """The bookkeeping, as GET /v1/_stats serves it (a copy)."""
        with self.lock:
            out = {"created": self.created, "uploads": self.uploads, "requests": self.requests,
                   "batches": {b: {k: self.batches[b][k] for k in _STATS} for b in self.created}}
            return cast(Json, json.loads(json.dumps(out)))

    # -- HTTP ---------------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        path, query = url.path.removeprefix("/v1"), parse_qs(url.query)
        try:
            body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
            with self.lock:
                status, out = self._route(h.command, path, query, body,
                                          h.headers.get("Content-Type", ""))
                if self.state_path and not path.startswith("/_stats"):
                    self._save()
        except _HTTPError as e:
            status, out = e.status, e.body
        except Exception as e:  # a bug here: say so rather than drop the connection
            status, out = 500, _HTTPError(500, f"{type(e).__name__}: {e}", "server_error").body
        data = out if isinstance(out, bytes) else json.dumps(out).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/octet-stream" if isinstance(out, bytes)
                      else "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               content_type: str) -> tuple[int, Json | bytes]:
        parts = path.strip("/").split("/")
        route = "/".join("{id}" if n == 1 else p for n, p in enumerate(parts))
        self.requests[f"{method} /{route}"] += 1
        match method, parts:
            case "GET", ["_stats"]:
                return 200, self.stats()
            case "POST", ["files"]:
                return 200, self._upload(body, content_type)
            case "GET", ["files"]:
                return 200, _page(list(self.files.values()), query)
            case "GET", ["files", fid]:
                return 200, _get(self.files, fid)
            case "GET", ["files", fid, "content"]:
                return 200, self.contents[_get(self.files, fid)["id"]]
            case "DELETE", ["files", fid]:
                del self.files[_get(self.files, fid)["id"]], self.contents[fid]
                return 200, {"id": fid, "object": "file", "deleted": True}
            case "POST", ["batches"]:
                return 200, self._public(self._create(body))
            case "GET", ["batches"]:
                rows = [self._public(self.batches[b]) for b in reversed(self.created)]
                return 200, _page(rows, query)
            case "GET", ["batches", bid]:
                return 200, self._public(self._advance(_get(self.batches, bid)))
            case "POST", ["batches", bid, "cancel"]:
                return 200, self._public(self._cancel(_get(self.batches, bid)))
        raise _HTTPError(404, f"Invalid URL ({method} /v1{path})")

    def _add_file(self, data: bytes, filename: str, purpose: str) -> str:
        fid = _new_id("file-")
        self.contents[fid] = data
        self.files[fid] = {"id": fid, "object": "file", "bytes": len(data),
                           "created_at": int(time.time()), "filename": filename,
                           "purpose": purpose, "status": "processed"}
        return fid

    def _upload(self, body: bytes, content_type: str) -> Json:
        msg = email.parser.BytesParser().parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        if not msg.is_multipart():
            raise _HTTPError(400, "Expected multipart/form-data with fields file and purpose")
        parts = cast(list[Message], msg.get_payload())
        fields = {p.get_param("name", header="content-disposition"): p for p in parts}
        if "file" not in fields or "purpose" not in fields:
            raise _HTTPError(400, "Missing required parameter: 'file' or 'purpose'.")
        purpose = cast(bytes, fields["purpose"].get_payload(decode=True)).decode()
        data = cast(bytes, fields["file"].get_payload(decode=True))
        fid = self._add_file(data, fields["file"].get_filename() or "upload.jsonl", purpose)
        self.uploads.append(fid)
        return self.files[fid]

    # -- batches ------------------------------------------------------------------------------

    def _create(self, body: bytes) -> Json:
        try:
            req = json.loads(body)
        except json.JSONDecodeError as e:
            raise _HTTPError(400, f"Invalid JSON body: {e}") from None
        fid, endpoint = req.get("input_file_id", ""), req.get("endpoint", "")
        _get(self.files, fid)
        if endpoint != "/v1/chat/completions":
            raise _HTTPError(400, f"Unsupported endpoint {endpoint!r}: only /v1/chat/completions")
        lines, errors = [], []
        for n, raw in enumerate(self.contents[fid].decode().splitlines(), 1):
            line = _line(raw, endpoint) if raw.strip() else {}
            if line is None:
                errors.append(_error("invalid_request", n, "Each line needs a custom_id, method "
                                     "POST, the batch's endpoint as url and a JSON body."))
            elif line:
                lines.append(line)
        cids = [x["custom_id"] for x in lines]
        if len(set(cids)) != len(cids):
            errors.append(_error("duplicate_custom_id", None, "custom_ids must be unique."))
        fail = [c for c in cids if c in self.fail_first and c not in self.seen]
        if not self.created:
            fail += [c for c in cids[: self.fail_first_n] if c not in fail]
        if self.fail_batch:
            errors.append(_error("invalid_request", None, "Validation failed (injected)."))
        self.seen.update(cids)
        now, bid = int(time.time()), _new_id("batch_")
        b: Json = {k: None for k in _PUBLIC} | {
            "id": bid, "object": "batch", "endpoint": endpoint, "input_file_id": fid,
            "completion_window": req.get("completion_window", "24h"), "status": "validating",
            "created_at": now, "expires_at": now + 86400, "metadata": req.get("metadata"),
            "model": lines[0]["body"].get("model") if lines else None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "custom_ids": cids, "fail": fail, "expire": self.expire, "invalid": errors,
            "lines": lines, "polls": 0}
        self.expire = self.fail_batch = False
        self.batches[bid] = b
        self.created.append(bid)
        return b

    def _public(self, b: Json) -> Json:
        return {k: b[k] for k in _PUBLIC}

    def _enter(self, b: Json, status: str) -> Json:
        b["status"], b[f"{status}_at"], b["polls"] = status, int(time.time()), 0
        return b

    def _advance(self, b: Json) -> Json:
        status = b["status"]
        if status in _TERMINAL:
            return b
        if status == "cancelling":
            return self._finish(b, "cancelled")
        b["polls"] += 1
        if b["polls"] < self.polls_per_step:
            return b
        if status == "validating" and b["invalid"]:
            b["errors"] = {"object": "list", "data": b["invalid"]}
            return self._enter(b, "failed")
        if status == "validating":
            return self._enter(b, "in_progress")
        if status == "in_progress" and b["expire"]:
            return self._finish(b, "expired")
        if status == "in_progress" and self.finalizing:
            return self._enter(b, "finalizing")
        return self._finish(b, "completed")

    def _cancel(self, b: Json) -> Json:
        if b["status"] in ("completed", "failed", "expired"):
            raise _HTTPError(400, f"Cannot cancel a batch with status '{b['status']}'.")
        return b if b["status"] in ("cancelling", "cancelled") else self._enter(b, "cancelling")

    def _finish(self, b: Json, status: str) -> Json:
        """Run the lines (all, or the first half when expired/cancelled once started)."""
        lines = b["lines"]
        if status != "completed":
            lines = lines[: len(lines) // 2] if b["in_progress_at"] else []
        ok: list[Json] = []
        bad: list[Json] = []
        for line in lines:
            row = self._run(line, line["custom_id"] in b["fail"])
            (bad if row["response"]["status_code"] != 200 else ok).append(row)
        b["request_counts"] |= {"completed": len(ok), "failed": len(bad)}
        if self.unfinished_errors and status != "completed":
            code = f"batch_{status}"
            bad += [{"id": _new_id("batch_req_"), "custom_id": x["custom_id"], "response": None,
                     "error": {"code": code, "message": f"Not run: the batch {status}."}}
                    for x in b["lines"][len(lines):]]
        rng = random.Random(f"{self.seed}:{self.created.index(b['id'])}")
        for key, rows, name in (("output_file_id", ok, "output"), ("error_file_id", bad, "error")):
            rng.shuffle(rows)
            if rows:
                data = "".join(json.dumps(r) + "\n" for r in rows).encode()
                b[key] = self._add_file(data, f"{b['id']}_{name}.jsonl", "batch_output")
        if status == "completed" and b["finalizing_at"] is None:
            b["finalizing_at"] = int(time.time())
        return self._enter(b, status)

    def _run(self, line: Json, fail: bool) -> Json:
        req_id = _new_id("req_")
        if fail:
            kind = "server_error" if self.fail_status >= 500 else "invalid_request_error"
            response = {"status_code": self.fail_status, "request_id": req_id, "body": {
                "error": {"message": "The server had an error processing your request.",
                          "type": kind, "param": None, "code": None}}}
        else:
            body = line["body"]
            text = self.answer(body)
            prompt = json.dumps(body.get("messages", []))
            usage = {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(text) // 4 + 1}
            response = {"status_code": 200, "request_id": req_id, "body": {
                "id": _new_id("chatcmpl-"), "object": "chat.completion",
                "created": int(time.time()), "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": text,
                                         "refusal": None}}],
                "usage": usage | {"total_tokens": sum(usage.values())},
                "system_fingerprint": None}}
        return {"id": _new_id("batch_req_"), "custom_id": line["custom_id"],
                "response": response, "error": None}

    _KEPT = ("files", "contents", "uploads", "batches", "created", "requests", "seen",
             "fail_first", "expire", "fail_batch")

    def _save(self) -> None:
        assert self.state_path is not None
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_bytes(pickle.dumps({k: getattr(self, k) for k in self._KEPT}))
        os.replace(tmp, self.state_path)


def _line(raw: str, endpoint: str) -> Json | None:
    """A request line of a batch input file, or None if it is not one."""
    try:
        line = json.loads(raw)
    except json.JSONDecodeError:
        return None
    ok = (isinstance(line, dict) and isinstance(line.get("custom_id"), str)
          and line.get("method") == "POST" and line.get("url") == endpoint
          and isinstance(line.get("body"), dict))
    return line if ok else None


def _error(code: str, line: int | None, message: str) -> Json:
    return {"code": code, "line": line, "message": message, "param": None}


def _get(table: dict[str, Json], key: str) -> Json:
    if key not in table:
        what = "File" if key.startswith("file-") else "Batch"
        raise _HTTPError(404, f"No such {what} object: {key}")
    return table[key]


def _page(rows: list[Json], query: dict[str, list[str]]) -> Json:
    """A cursor page (`after`, `limit`) in the list shape the client pages through."""
    ids = [r["id"] for r in rows]
    after = query.get("after", [""])[0]
    start = ids.index(after) + 1 if after in ids else 0
    limit = int(query.get("limit", ["20"])[0])
    data = rows[start: start + limit]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": start + limit < len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", default=None, help="keep the state in this JSON file too")
    parser.add_argument("--questions", default=None, help="answer with these golds")
    parser.add_argument("--fail-first", default="", help="comma-separated custom_ids")
    parser.add_argument("--fail-first-n", type=int, default=0)
    parser.add_argument("--expire", action="store_true")
    parser.add_argument("--fail-batch", action="store_true")
    parser.add_argument("--polls-per-step", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    server = BatchServer(
        gold_answers(args.questions) if args.questions else {},
        fail_first=[c for c in args.fail_first.split(",") if c],
        fail_first_n=args.fail_first_n, expire=args.expire, fail_batch=args.fail_batch,
        polls_per_step=args.polls_per_step, seed=args.seed, port=args.port,
        state_path=args.state)
    httpd = server.bind()
    print(server.port, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()


if __name__ == "__main__":
    main()
