"""Shared test fixtures: real `stdio:` images made with the real xorriso, and a private home.

The image makers are plain functions as well, so other test files can use them directly:

    from tests.conftest import make_image
    make_image(tmp_path / "disc.iso", sessions=["VOL_S1", "VOL_S2"])
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.fixtures.record import BASE as RECORDER_ARGV

FIXTURES = Path(__file__).resolve().parent / "fixtures"

XORRISO_BASE = RECORDER_ARGV[1:]
"""Flags of every xorriso run the tests make themselves: the fixture recorder's own, so
live runs and recorded transcripts always agree."""

needs_xorriso = pytest.mark.skipif(shutil.which("xorriso") is None, reason="xorriso not installed")

SessionSpec = str | tuple[str, Mapping[str, bytes | int]]
"""A session to write: its volume id, or (volume id, {file name: bytes or size})."""


def fixture_text(name: str) -> str:
    """Contents of tests/fixtures/NAME."""
    return (FIXTURES / name).read_text()


def xorriso_run(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run the real xorriso with the test base flags; raise with its output on failure."""
    proc = subprocess.run(
        ["xorriso", *XORRISO_BASE, *args], capture_output=True, check=False, timeout=120
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"xorriso {' '.join(args)} failed (rc {proc.returncode}):\n"
            + proc.stdout.decode(errors="replace")
            + proc.stderr.decode(errors="replace")
        )
    return proc


def make_blank_image(path: Path) -> Path:
    """An empty file: xorriso shows it as a blank, overwriteable medium."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def make_garbage_image(path: Path, size: int = 1024 * 1024, seed: int = 99) -> Path:
    """Random bytes: no ISO 9660 head, so xorriso shows one `Other session`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def make_image(
    path: Path,
    sessions: Sequence[SessionSpec] = ("ISOIMAGE",),
    *,
    seed: int = 0,
    mtime: float | None = None,
) -> Path:
    """Write one ISO session per entry of `sessions` to the `stdio:` image `path`.

    Session n (1-based) maps a source folder to `/dN`. A plain volume id gets one small
    random file `sN.bin`; a (volume id, files) pair gets those files, each given as bytes
    or as a size of random bytes. Sessions are appended with `-dev ... -commit`, the way a
    multi-session disc grows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sources = path.parent / f".{path.name}.sources"
    rng = random.Random(seed)
    for n, spec in enumerate(sessions, start=1):
        volid, files = (spec, {f"s{n}.bin": 10_000 * n}) if isinstance(spec, str) else spec
        source = sources / f"d{n}"
        source.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            data = rng.randbytes(content) if isinstance(content, int) else content
            (source / name).write_bytes(data)
            if mtime is not None:  # pinned times, for snapshots that show them
                os.utime(source / name, (mtime, mtime))
        if mtime is not None:
            os.utime(source, (mtime, mtime))
        xorriso_run(
            "-dev", f"stdio:{path}", "-volid", volid, "-map", str(source), f"/d{n}", "-commit"
        )  # fmt: skip
    shutil.rmtree(sources, ignore_errors=True)
    return path


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point the XDG directories at tmp_path/.xdg/*: tests never write to the real home."""
    dirs = {}
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        dirs[var] = tmp_path / ".xdg" / sub
        dirs[var].mkdir(parents=True)
        monkeypatch.setenv(var, str(dirs[var]))
    return dirs


@pytest.fixture
def blank_image(tmp_path: Path) -> Path:
    return make_blank_image(tmp_path / "blank.iso")


@pytest.fixture
def one_session_image(tmp_path: Path) -> Path:
    return make_image(tmp_path / "one.iso", ["VOL_ONE"], seed=1)


@pytest.fixture
def three_session_image(tmp_path: Path) -> Path:
    return make_image(tmp_path / "three.iso", ["VOL_S1", "VOL_S2", "VOL_S3"], seed=3)


@pytest.fixture
def garbage_image(tmp_path: Path) -> Path:
    return make_garbage_image(tmp_path / "garbage.bin")


def imported_modules(source: str) -> list[str]:
    """Every module a Python source imports (absolute names; relative ones as "")."""
    import ast

    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "") if node.level == 0 else "")
    return found


@pytest.fixture(scope="session")
def debian_images() -> dict[str, Path]:
    """Bootable ISO images Debian packages install (made by other tools than ours), from
    tests/debian_boot.py's cache; skipped, saying why, where they cannot be fetched."""
    from tests.debian_boot import Unavailable, debian_boot_images

    try:
        found = debian_boot_images()
    except Unavailable as exc:
        pytest.skip(str(exc))
    return {**found, "grub-rescue-pc": found["grub-rescue"]}
