"""Layering: the engine (app/engine) never imports the UI toolkit.

The engine is used by the CLI and by scripts without a terminal UI; a `textual` import
there would drag the UI into them (and into every engine test).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "app" / "engine"
FORBIDDEN = "textual"


def forbidden_imports(source: str, filename: str = "<string>") -> list[str]:
    """Every import of `textual` (or a submodule) in `source`, as `line: text`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name == FORBIDDEN or name.startswith(FORBIDDEN + "."):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


ENGINE_MODULES = sorted(ENGINE.glob("*.py"))


def test_engine_modules_found() -> None:
    names = {path.name for path in ENGINE_MODULES}
    assert {"models.py", "parse.py", "runner.py", "inspect.py"} <= names


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda p: p.name)
def test_engine_does_not_import_textual(path: Path) -> None:
    found = forbidden_imports(path.read_text(), str(path))
    assert not found, f"{path.name} imports {FORBIDDEN}: {found}"


@pytest.mark.parametrize(
    "source",
    [
        "import textual",
        "import textual.app",
        "import os, textual.widgets as w",
        "from textual import on",
        "from textual.app import App",
        "from textual.widgets import Button, Static",
        "def f():\n    import textual\n",
        "try:\n    from textual.app import App\nexcept ImportError:\n    App = None\n",
        "if TYPE_CHECKING:\n    from textual.app import App\n",
    ],
)
def test_detector_catches(source: str) -> None:
    assert forbidden_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "import textwrap",
        "import textual_extras",
        "from textualize import x",
        "from . import textual",
        "from .textual import thing",
        "x = 'import textual'",
    ],
)
def test_detector_ignores(source: str) -> None:
    assert not forbidden_imports(source)


def test_detach_wrapper_needs_only_the_standard_library() -> None:
    """It runs as `python -I -S detach_wrapper.py`: no site-packages, no app package."""
    import sys

    from tests.conftest import imported_modules

    for name in imported_modules((ENGINE / "detach_wrapper.py").read_text()):
        top = name.split(".")[0]
        assert top == "__future__" or top in sys.stdlib_module_names, name
