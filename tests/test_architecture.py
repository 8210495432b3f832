"""The plan a newcomer can see: layers that only import downwards, no cycles, the CLI alone
speaking in flags, backends told apart by what they can do, modules readable in one sitting."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bench"
MAX_LINES = 400
MAX_TOP_MODULES = 25
LAYERS = {
    "bench.text": 0, "bench.defaults": 0, "bench.errors": 0, "bench.verdicts": 0,
    "bench.fileio": 0, "bench.targets": 0,
    "bench.corpus": 1, "bench.dataset": 1, "bench.records": 1, "bench.figures": 1,
    "bench.prompts": 1,
    "bench.settings": 1, "bench.predictions": 1, "bench.engine": 1,
    "bench.evidence": 1,
    "bench.backends": 2,
    "bench.results": 3,
    "bench.grading": 4,
    "bench.pipeline": 5,
    "bench.batch": 6,
    "bench.cli": 7, "bench.__main__": 7,
}
"""Each part's floor: a module imports only from its own floor or below."""
BACKEND_NAMES = {"openai", "local", "oracle", "abstain", "retrieval"}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every bench module `path` imports, at the top or inside a function alike."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known}
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    g = {name: imports(path, name, set(mods)) for name, path in mods.items()}
    # A package's __init__ re-exporting its submodules is not a cycle of ideas; `bench` itself
    # offers the public API (loaded lazily) and the version.
    for name in g:
        g[name] -= {m for m in g[name] if m.startswith(name + ".")}
        g[name].discard("bench")
    return g


def floor(name: str) -> int | None:
    for prefix, level in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if name == prefix or name.startswith(prefix + "."):
            return level
    return None


def test_every_module_has_a_floor() -> None:
    assert [m for m in modules() if m != "bench" and floor(m) is None] == []


def test_imports_only_run_downwards() -> None:
    upward = [(a, b) for a, deps in graph().items() if a != "bench" for b in deps
              if (fa := floor(a)) is not None and (fb := floor(b)) is not None and fb > fa]
    assert upward == []


def test_no_import_cycles() -> None:
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node)
    assert cycles == []


def test_few_modules_directly_in_bench() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_only_the_cli_parses_arguments() -> None:
    offenders = [str(path.relative_to(ROOT)) for name, path in modules().items()
                 if not name.startswith("bench.cli") and "argparse" in path.read_text()]
    assert offenders == []


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings."""
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)}
    # An attribute docstring: a string expression right after an assignment.
    for n in ast.walk(tree):
        for body in (getattr(n, "body", None), getattr(n, "orelse", None)):
            if isinstance(body, list):
                docs |= {id(s.value) for s in body
                         if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs]


def test_no_flag_is_named_below_the_cli() -> None:
    import re

    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = [f"{path.relative_to(ROOT)}:{c.lineno}: {c.value!r}"
             for name, path in modules().items() if not name.startswith("bench.cli")
             for c in _strings(ast.parse(path.read_text(encoding="utf-8")))
             if flag.search(c.value)]
    assert found == []


def test_no_backend_is_told_apart_by_name_outside_its_module_and_the_cli() -> None:
    found = []
    for name, path in modules().items():
        if name.startswith(("bench.backends", "bench.cli")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            for side in [node.left, *node.comparators]:
                consts = [side] if isinstance(side, ast.Constant) else (
                    list(side.elts) if isinstance(side, ast.Set | ast.Tuple | ast.List) else [])
                if any(isinstance(c, ast.Constant) and c.value in BACKEND_NAMES for c in consts):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_modules_stay_readable_in_one_sitting() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def _loaded(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print('\\n'.join("
                          "sorted(sys.modules)))"], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    return out.split()


def test_help_imports_no_heavy_library() -> None:
    loaded = _loaded("from bench.cli.main import build_parser; build_parser()")
    assert [m for m in ("pydantic", "openai", "datasets", "tqdm", "xllamacpp")
            if m in loaded] == []


@pytest.mark.parametrize("module", ["bench.settings", "bench.pipeline.ask",
                                    "bench.pipeline.plan"])
def test_settings_and_the_runner_load_no_grading_module(module: str) -> None:
    assert [m for m in _loaded(f"import {module}") if m.startswith("bench.grading")] == []


def test_the_public_api_is_importable_from_the_top() -> None:
    loaded = _loaded("import bench")
    assert [m for m in loaded if m.startswith("bench.")] == []  # nothing until asked for
    from bench import RunSettings, build_leaderboard, grade_predictions, run_eval

    assert all(callable(x) for x in (RunSettings, run_eval, grade_predictions,
                                     build_leaderboard))
