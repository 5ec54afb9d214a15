"""Hostile input and faults: each gets a clear message, loses nothing, and the truth is shown.

The table in tests/HOSTILE.md maps every case to its test.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

from app.drives.virtual import create_recorder
from app.engine.commands import BurnOptions, MapEntry
from app.engine.inspect import read_medium
from app.engine.operations import OperationResult
from app.jobs.start import start_burn
from app.stage.model import Stage
from app.stage.store import autosave_path
from app.tui.app import DiscdeckApp
from tests.cli.test_cli import REPO
from tests.conftest import make_image, xorriso_run
from tests.engine.test_operations import rr_tree
from tests.ui.pilot import settle as _settle


def burn(image: Path, entries: list[MapEntry]) -> OperationResult:
    operation = start_burn(f"stdio:{image}", entries, BurnOptions(volume_id="HOSTILE"))
    for _ in operation.events():
        pass
    assert operation.result is not None
    return operation.result


def test_long_names_and_deep_paths_arrive_byte_exact(tmp_path: Path) -> None:
    src = os.fsencode(tmp_path / "src")
    long_name = b"L" * 200 + "é".encode() * 27 + b"x"  # 255 bytes
    assert len(long_name) == 255
    deep = os.path.join(src, *[b"d%02d" % n for n in range(40)])
    os.makedirs(deep)
    with open(os.path.join(deep, b"bottom.txt"), "wb") as handle:
        handle.write(b"forty folders down")
    with open(os.path.join(src, long_name), "wb") as handle:
        handle.write(b"long")
    image = tmp_path / "deep.iso"
    result = burn(image, [MapEntry(os.fsdecode(src), "/s")])
    assert result.outcome == "ok", result.message
    tree = rr_tree(image)
    assert tree[b"/s/" + long_name] == b"long"
    deep_path = b"/s/" + b"/".join(b"d%02d" % n for n in range(40)) + b"/bottom.txt"
    assert tree[deep_path] == b"forty folders down"


def test_names_that_collide_after_joliet_and_iso_mangling(tmp_path: Path) -> None:
    """Joliet keeps 64 characters and ISO 9660 fewer: xorriso mangles, Rock Ridge stays exact."""
    src = tmp_path / "src"
    src.mkdir()
    stem = "a-very-long-file-name-that-only-differs-after-the-sixty-fourth-character-"
    names = [stem + "one.txt", stem + "two.txt", "UPPER.TXT", "upper.txt", "x;1", "x"]
    for name in names:
        (src / name).write_text(name)
    image = tmp_path / "mangle.iso"
    assert burn(image, [MapEntry(str(src), "/m")]).outcome == "ok"
    tree = rr_tree(image)
    for name in names:
        assert tree[b"/m/" + name.encode()] == name.encode()


def test_links_fifos_and_devices_in_a_staged_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "target.txt").write_text("data")
    os.symlink("target.txt", src / "link")
    os.link(src / "target.txt", src / "hard")
    os.mkfifo(src / "fifo")
    can_mknod = os.geteuid() == 0
    if can_mknod:
        os.mknod(src / "null-dev", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    stage = Stage()
    stage.add(str(src), "/")
    for _ in stage.scan("/"):
        pass
    assert stage.total_size() == 8  # target.txt and its hard link; link/fifo/device count 0
    image = tmp_path / "special.iso"
    assert burn(image, [MapEntry(d, i) for d, i in stage.entries()]).outcome == "ok"
    listing = xorriso_run("-indev", f"stdio:{image}", "-lsl", "/src").stdout.decode()
    assert "'link' -> 'target.txt'" in listing  # kept as a link, not followed
    assert any(line.startswith("R:1: p") and "'fifo'" in line for line in listing.splitlines())
    if can_mknod:
        assert any(
            line.startswith("R:1: c") and "'null-dev'" in line for line in listing.splitlines()
        )


def test_target_file_system_full(tmp_path: Path) -> None:
    """A file size limit (like a full file system) fails the burn in words; exit non-zero."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    image = tmp_path / "full.iso"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, 1024 * 1024))

    proc = subprocess.run(
        [sys.executable, "-m", "app", "burn", "--dev", f"stdio:{image}", "--json", str(src)],
        capture_output=True, text=True, cwd=REPO, preexec_fn=limit, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    final = json.loads(proc.stdout.strip().splitlines()[-1])
    assert final["result"] == "failed"
    assert final["message"]


def test_lang_c_and_non_utf8_names(tmp_path: Path) -> None:
    src = os.fsencode(tmp_path) + b"/caf\xe9-src"
    os.makedirs(src)
    with open(src + b"/r\xe9sum\xe9.txt", "wb") as handle:
        handle.write(b"latin-1 name")
    image = tmp_path / "c.iso"
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""}
    burned = subprocess.run(
        [sys.executable, "-m", "app", "burn", "--dev", f"stdio:{image}", src],
        capture_output=True, cwd=REPO, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert burned.returncode == 0, burned.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "app", "ls", "--image", str(image), "--json", "/caf\udce9-src"],
        capture_output=True, cwd=REPO, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert b"Traceback" not in listed.stderr
    assert rr_tree(image)[b"/caf\xe9-src/r\xe9sum\xe9.txt"] == b"latin-1 name"


async def test_small_terminal_and_resize_mid_burn(tmp_path: Path) -> None:
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["SMALL"], seed=2)
    src = tmp_path / "src"
    src.mkdir()
    (src / "data.bin").write_bytes(os.urandom(12 * 1024 * 1024))
    app = DiscdeckApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await _settle(pilot)
        for key in ("question_mark", "escape", "a", "escape", "i", "escape", "j", "escape"):
            await pilot.press(key)
            await _settle(pilot)
        app.stage.add(str(src), "/")
        app.stage.options.speed = "4d"
        for _ in app.stage.scan("/"):
            pass
        await pilot.press("b")
        for _ in range(100):
            if type(app.screen).__name__ == "ConfirmScreen":
                break
            await pilot.pause(0.1)
        await pilot.press("y")
        for size in ((120, 40), (60, 20), (80, 24)):
            await pilot.pause(0.5)
            await pilot.resize_terminal(*size)
        screen = app.screen
        for _ in range(600):
            if getattr(screen, "finished", False):
                break
            await pilot.pause(0.1)
        assert screen.results and screen.results[-1].outcome == "ok"
    assert len(read_medium(recorder.address).toc.sessions) == 2


async def test_corrupt_autosave_is_kept_aside(private_home) -> None:
    path = autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"format": "discdeck-stage", "version": 1, "root": {tru')
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.stage.is_empty()
        assert app.stage_problem and "kept as" in app.stage_problem
    assert path.with_suffix(".corrupt.json").exists()


def test_xorriso_killed_mid_write_is_a_failed_burn_and_the_medium_truthful(tmp_path: Path) -> None:
    """SIGKILL of the xorriso child (not the UI): failed, not ok; a first session reads blank."""
    import signal
    import time

    from app.jobs.reattach import running_operations

    src = tmp_path / "src"
    src.mkdir()
    (src / "data.bin").write_bytes(os.urandom(24 * 1024 * 1024))
    image = tmp_path / "killed.iso"
    operation = start_burn(f"stdio:{image}", [MapEntry(str(src), "/d")], BurnOptions(speed="2d"))
    killed = False
    for progress in operation.events():
        if progress.phase == "writing" and not killed:
            run = running_operations()[0]
            meta = json.loads((run.run_dir / "meta.json").read_text())
            os.kill(meta["xorriso_pid"], signal.SIGKILL)
            killed = True
    assert killed
    assert operation.result is not None and operation.result.outcome == "failed"
    assert operation.result.message
    time.sleep(0.2)
    assert read_medium(f"stdio:{image}").toc.media.status == "blank"


async def test_a_corrupt_journal_does_not_hide_the_others() -> None:
    from app.config import journal_dir
    from app.jobs.start import start_check

    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["J"], seed=9)
    check = start_check(recorder.address, journal_dir=journal_dir())
    for _ in check.events():
        pass
    (journal_dir() / "20991231-235959-burn.log").write_bytes(b"\xff\xfe\x00garbage" * 100)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("j")
        await _settle(pilot)
        assert type(app.screen).__name__ == "JournalScreen"
        assert len(app.screen.paths) == 2
        await pilot.press("down")
        await _settle(pilot)
        assert type(app.screen).__name__ == "JournalScreen"


WRITE_FAULT_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
/* Fault injector: writes to FAULT_PATH past FAULT_AFTER bytes fail with EACCES, as when
   the permission to the target is lost mid-operation (root cannot lose it for real). */
static int denied(int fd, off_t end) {
    const char *want = getenv("FAULT_PATH"), *after = getenv("FAULT_AFTER");
    char link[64], path[4096];
    ssize_t n;
    if (!want || !after) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strcmp(path, want) == 0 && end > atoll(after);
}
ssize_t write(int fd, const void *buf, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    if (denied(fd, lseek(fd, 0, SEEK_CUR) + (off_t)count)) { errno = EACCES; return -1; }
    return real(fd, buf, count);
}
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
    if (denied(fd, offset + (off_t)count)) { errno = EACCES; return -1; }
    return real(fd, buf, count, offset);
}
"""


def test_permission_lost_mid_write(tmp_path: Path, monkeypatch) -> None:
    import shutil

    import pytest

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the write-fault injector")
    (tmp_path / "wfault.c").write_text(WRITE_FAULT_SHIM)
    shim = tmp_path / "wfault.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O2", "-o", str(shim), str(tmp_path / "wfault.c"), "-ldl"],
        check=True,
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "data.bin").write_bytes(os.urandom(8 * 1024 * 1024))
    image = tmp_path / "denied.iso"
    monkeypatch.setenv("LD_PRELOAD", str(shim))
    monkeypatch.setenv("FAULT_PATH", str(image))
    monkeypatch.setenv("FAULT_AFTER", str(2 * 1024 * 1024))
    result = burn(image, [MapEntry(str(src), "/d")])
    monkeypatch.delenv("LD_PRELOAD")
    assert result.outcome == "failed"
    assert "ermission" in result.message or "write" in result.message.lower(), result.message
    assert read_medium(f"stdio:{image}").toc.media.status == "blank"
