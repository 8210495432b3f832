"""`bench backends`: the registered backends, what each can do, and their options."""

from __future__ import annotations

import argparse
from typing import Any

CAPABILITIES = {"is_baseline": "baseline (cannot judge)", "supports_batch": "batch files",
                "needs_model_name": "needs -o model=NAME"}


def register(sub: Any) -> None:
    p = sub.add_parser("backends", help="list backends, what they can do, and their options")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bench.backends import available

    for name, ep in sorted(available().items()):
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not hide the others
            print(f"{name}: cannot load ({exc})")
            continue
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        can = [label for attr, label in CAPABILITIES.items() if getattr(cls, attr, False)]
        print(f"{name}: {doc}" + (f" [{'; '.join(can)}]" if can else ""))
        for field, info in cls.Options.model_fields.items():
            about = info.description or ""
            # A description that already names its default is not told it again.
            if info.is_required():
                about += " (required)"
            elif "default" not in about:
                about += f" (default {info.default!r})"
            print(f"    -o {field}=...  {about.strip()}")
    return 0
