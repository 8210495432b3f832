"""A Files + Batches API on 127.0.0.1 for tests: uploads, batches that move validating ->
in_progress -> completed as they are polled, output and error files (shuffled), and failures
injected into the first batch only, so that a resubmission succeeds."""

from __future__ import annotations

import email.parser
import json
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_QUESTION = re.compile(r"Question: (.*?)\n", re.S)


class BatchAPI:
    def __init__(self, answers: dict[str, str], *, fail_first: int = 0, polls: int = 2):
        self.answers = answers
        self.fail_first = fail_first
        self.polls = polls
        """Polls a batch spends in each of validating and in_progress."""
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created: list[str] = []
        self.submitted: list[list[str]] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api.handle(self, "GET")

            def do_POST(self) -> None:
                api.handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any,
              raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/octet-stream" if raw is not None
                      else "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = h.path.split("?")[0].removeprefix("/v1")
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        with self.lock:
            if method == "POST" and path == "/files":
                msg = email.parser.BytesParser().parsebytes(
                    f"Content-Type: {h.headers['Content-Type']}\r\n\r\n".encode() + body)
                part = next(p for p in msg.get_payload()  # type: ignore[union-attr]
                            if p.get_param("name", header="content-disposition") == "file")
                fid = f"file-{len(self.files)}"
                self.files[fid] = part.get_payload(decode=True)
                return self._send(h, 200, self._file(fid))
            m = re.fullmatch(r"/files/([\w-]+)(/content)?", path)
            if method == "GET" and m and m.group(1) in self.files:
                if m.group(2):
                    return self._send(h, 200, None, raw=self.files[m.group(1)])
                return self._send(h, 200, self._file(m.group(1)))
            if method == "POST" and path == "/batches":
                req = json.loads(body)
                bid = f"batch_{len(self.created)}"
                lines = [json.loads(x) for x in self.files[req["input_file_id"]].splitlines()]
                self.created.append(bid)
                self.submitted.append([x["custom_id"] for x in lines])
                self.batches[bid] = {"id": bid, "input_file_id": req["input_file_id"],
                                     "lines": lines, "polls": 0, "status": "validating",
                                     "output_file_id": None, "error_file_id": None}
                return self._send(h, 200, self._batch(bid))
            m = re.fullmatch(r"/batches/([\w-]+)(/cancel)?", path)
            if m and m.group(1) in self.batches:
                bid = m.group(1)
                if m.group(2):
                    self.batches[bid]["status"] = "cancelled"
                else:
                    self._advance(bid)
                return self._send(h, 200, self._batch(bid))
            self._send(h, 404, {"error": {"message": f"no {path}",
                                          "type": "invalid_request_error"}})

    def _advance(self, bid: str) -> None:
        b = self.batches[bid]
        if b["status"] in ("completed", "cancelled"):
            return
        b["polls"] += 1
        if b["polls"] < self.polls:
            return
        if b["status"] == "validating":
            b["status"], b["polls"] = "in_progress", 0
            return
        ok, bad = [], []
        first = bid == self.created[0]
        for n, line in enumerate(b["lines"]):
            cid = line["custom_id"]
            if first and n < self.fail_first:
                bad.append({"id": f"req_{n}", "custom_id": cid, "error": None, "response": {
                    "status_code": 500, "request_id": f"r{n}",
                    "body": {"error": {"message": "server overloaded", "type": "server_error"}}}})
                continue
            question = _QUESTION.search(line["body"]["messages"][-1]["content"])
            text = self.answers.get(question.group(1).strip() if question else "", "?")
            ok.append({"id": f"req_{n}", "custom_id": cid, "error": None, "response": {
                "status_code": 200, "request_id": f"r{n}", "body": {
                    "id": "c", "object": "chat.completion", "created": 0,
                    "model": line["body"]["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 30, "completion_tokens": 2,
                              "total_tokens": 32}}}})
        random.Random(len(self.created)).shuffle(ok)
        for kind, rows in (("output_file_id", ok), ("error_file_id", bad)):
            if rows:
                fid = f"file-{len(self.files)}"
                self.files[fid] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                b[kind] = fid
        b["status"], b["counts"] = "completed", (len(ok), len(bad))

    def _file(self, fid: str) -> dict[str, Any]:
        return {"id": fid, "object": "file", "bytes": len(self.files[fid]), "created_at": 0,
                "filename": f"{fid}.jsonl", "purpose": "batch", "status": "processed"}

    def _batch(self, bid: str) -> dict[str, Any]:
        b = self.batches[bid]
        done, failed = b.get("counts", (0, 0))
        return {"id": bid, "object": "batch", "endpoint": "/v1/chat/completions",
                "errors": None, "input_file_id": b["input_file_id"],
                "completion_window": "24h", "status": b["status"],
                "output_file_id": b["output_file_id"], "error_file_id": b["error_file_id"],
                "created_at": int(time.time()),
                "request_counts": {"total": len(b["lines"]), "completed": done,
                                   "failed": failed}}
