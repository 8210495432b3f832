"""Article prefixes read once across runs: the embedded engine's KV cache kept on disk.

The embedded model spends most of a run reading articles: a prefix of several thousand tokens
takes it half a minute on two cores, and every mode and every rerun reads the same ones. After
a call that read a new prefix, the engine's slot (its KV cache: the prefix, that question and
its answer) is saved under a key of everything that determines those values: the model file,
the context length, the engine's version, how prefixes are read (`reader`: with flash
attention in a second engine, or not) and the messages before the question. A later call
with the same prefix, in this run after another prefix or in a later run, restores it and
reads only the question. Answers do not change: the values restored are the values computed.

Files go to `$XDG_CACHE_HOME/bench/kv` (`~/.cache/bench/kv`) unless told otherwise; the
oldest are removed when the folder grows past its limit. A file that will not restore is
deleted and the prefix read again."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.fileio import cache_home

MIN_PROMPT_TOKENS = 512
"""Shorter prompts are read faster than their file is written: they are not saved."""


def default_dir() -> Path:
    return cache_home() / "kv"


class PrefixCache:
    """Which saved prefix a chat body can start from, and the folder's size limit."""

    def __init__(self, directory: Path, model: Path, n_ctx: int, max_mib: int,
                 reader: str = "plain"):
        self.directory = directory
        self.max_bytes = max_mib * 2**20
        st = model.stat()
        try:
            engine = metadata.version("xllamacpp")
        except metadata.PackageNotFoundError:
            engine = "?"
        self._key = {"model": str(model.resolve()), "size": st.st_size,
                     "mtime_ns": st.st_mtime_ns, "n_ctx": n_ctx, "engine": engine}
        self.reader = reader
        """How prefixes are read (`flash` or `plain`): their values differ in the last digits,
        so each way has its own keys."""

    def ready(self) -> bool:
        """Whether the folder exists or can be made; a cache that cannot be written is off."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(self.directory, os.W_OK)

    def name(self, messages: list[dict[str, Any]]) -> str:
        """The file name for the prefix of these messages: all but the last (the question)."""
        prefix = json.dumps(messages[:-1], sort_keys=True, ensure_ascii=False)
        base = json.dumps({**self._key, "reader": self.reader}, sort_keys=True)
        return hashlib.sha256(f"{base}\0{prefix}".encode()).hexdigest()[:40] + ".kv"

    def has(self, name: str) -> bool:
        path = self.directory / name
        if not path.is_file():
            return False
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest
        return True

    def drop(self, name: str) -> None:
        with contextlib.suppress(OSError):
            (self.directory / name).unlink()

    def trim(self) -> None:
        """Remove the least recently used files until the folder is within its limit, and the
        half-made files (`*.flash`, `*.part`) a killed run left an hour or more ago."""
        stale = time.time() - 3600
        for pattern in ("*.flash", "*.part"):
            for path in self.directory.glob(pattern):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < stale:
                        path.unlink()
        try:
            files = [(p.stat(), p) for p in self.directory.glob("*.kv")]
        except OSError:
            return
        total = sum(st.st_size for st, _ in files)
        for st, path in sorted(files, key=lambda f: f[0].st_mtime):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= st.st_size
