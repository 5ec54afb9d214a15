"""scripts/install.sh: quiet when it works, loud when it fails, patient with a held apt lock.

The lock tests hold locks on files of their own: the machine's real dpkg lock is never
touched (other installs may be running).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import REPO

HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "w")
fcntl.lockf(handle, fcntl.LOCK_EX)  # a POSIX lock, as apt and dpkg take theirs
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    path.touch()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def apt_lock(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f". scripts/apt-lock.sh; {script}"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})},
        timeout=60, check=False,
    )  # fmt: skip


def test_lock_holders_names_the_process(tmp_path: Path) -> None:
    lock = tmp_path / "lock-frontend"
    assert apt_lock(f"lock_holders {lock}").stdout == ""
    holder = hold_lock(lock, 30)
    try:
        proc = apt_lock(f"lock_holders {tmp_path / 'absent'} {lock}")
        assert proc.stdout == f"{holder.pid} ({comm(holder.pid)})\n"
    finally:
        holder.kill()
        holder.wait()


def test_a_held_lock_is_waited_for_then_named(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    holder = hold_lock(lock, 30)
    who = f"{holder.pid} ({comm(holder.pid)})"
    try:
        proc = apt_lock(f"wait_for_apt_locks {lock}", {"APT_LOCK_WAIT": "2"})
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"discdeck: waiting up to 2 s for the package manager lock, held by {who}",
        f"discdeck: the package manager lock is still held by {who} after 2 s: "
        "let it finish (or stop it), then run scripts/install.sh again",
    ]


def test_a_lock_released_while_waiting_lets_the_install_go_on(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    hold_lock(lock, 1.5)
    started = time.monotonic()
    proc = apt_lock(f"wait_for_apt_locks {lock} && echo free", {"APT_LOCK_WAIT": "30"})
    assert proc.returncode == 0 and proc.stdout == "free\n"
    assert "waiting up to 30 s" in proc.stderr
    assert time.monotonic() - started < 10


def copy_of_the_project(target: Path) -> Path:
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, target / name)
    for name in ("app", "widgets", "styles", "scripts"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.mark.skipif(shutil.which("xorriso") is None, reason="would install xorriso with apt-get")
def test_install_is_quiet_on_success_and_loud_on_failure(tmp_path: Path) -> None:
    """A fresh clone's install prints one line. PIP_CONFIG_FILE=/dev/null: this machine's
    pip configuration lists local package mirrors that warn about every package they lack,
    which is the machine's output, not the install's."""
    project = copy_of_the_project(tmp_path / "clone")
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PYTHONPATH", None)
    run = ["bash", "scripts/install.sh"]
    elsewhere = ["bash", str(project / "scripts/install.sh")]  # from another folder, as in /tmp
    proc = subprocess.run(elsewhere, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("discdeck: installed (xorriso ")
    assert proc.stderr.endswith(f"; start it with {project}/.venv/bin/discdeck\n"), "the path in full"
    version = subprocess.run(
        [str(project / ".venv/bin/discdeck"), "--version"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert version.stdout == "discdeck 0.1.0\n"
    (project / "pyproject.toml").write_text("[project\nname = 'broken'\n")
    proc = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "ERROR" in proc.stderr and "TOMLDecodeError" in proc.stderr  # pip's error shows
    assert "discdeck: installed" not in proc.stderr
