"""The house rules a machine can check: import-linter's contracts, no import cycles, a
reason beside every function-local import, modules and functions of a readable size."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for top in ("app", "widgets") for p in (ROOT / top).rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_import_linter_contracts_are_kept() -> None:
    """pyproject.toml's contracts: engine ↛ rest, services ↛ Textual/TUI, widgets ↛
    screens, CLI ↛ Textual, and the layers."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is not installed (bash scripts/install.sh --test)"
    run = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    kept = [line for line in run.stdout.splitlines() if line.endswith(" KEPT")]
    assert len(kept) >= 4, run.stdout


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("app", "widgets")
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    # A package's __init__ is not a module of its own here: only real modules count.
    assert _cycles(edges) == []


def _local_imports_without_reason(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                at = node.lineno - 1
                reason = "#" in lines[at]
                above = at - 1
                while above >= 0 and (
                    not lines[above].strip() or lines[above].strip().startswith(("from ", "import "))
                ):  # a block of imports shares the comment above it, or on its first line
                    reason = reason or "#" in lines[above]
                    above -= 1
                reason = reason or (above >= 0 and lines[above].strip().startswith("#"))
                if not reason and not _in_type_checking(lines, at):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[at].strip()}")
    return found


def _in_type_checking(lines: list[str], at: int) -> bool:
    return any("TYPE_CHECKING" in line for line in lines[max(at - 3, 0) : at])


def test_function_local_imports_say_why() -> None:
    """An import inside a function is there for start-up time (measured) or an optional
    dependency, and the comment beside it says so; otherwise it belongs at the top."""
    found = [hit for path in SOURCES for hit in _local_imports_without_reason(path)]
    assert found == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, "split the module by concept"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= MAX_FUNCTION_LINES, f"{node.name} is {size} lines"
