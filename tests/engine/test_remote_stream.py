"""A burn to a blank target on another machine streams the session image as it is built
(app/engine/remote_stream.py), against the private sshd of tests/sshd.py; a stream cut
by a dropped link is a failed burn that says so, never a shorter track."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from app.engine.commands import MapEntry
from app.engine.inspect import read_medium
from app.engine.progress import Progress
from app.engine.remote_address import parse_host
from app.engine.remote_run import RemoteProcess, probe_run
from app.engine.ssh import close_shared
from app.jobs.finish import run_plan
from app.jobs.plans import Target, burn_plan, write_image_plan
from app.jobs.reattach import attach, orphaned_operations
from app.jobs.start import start_job
from tests.conftest import make_image
from tests.engine.test_operations import rr_tree
from tests.engine.test_remote import FAST, SLOW, _remote_image, _source, _staged, remote, sshd
from tests.sshd import Sshd, start_sshd

__all__ = ["remote", "sshd"]  # the fixtures, shared with test_remote.py


def _cut_while_writing(job) -> Progress:
    """Kill the ssh carrying the stream at the first writing progress (a dropped link),
    then read the job to its end; that progress (what the screen showed when cut)."""
    seen = None
    for progress in job.events():
        process = job._process
        if seen is None and progress.phase == "writing" and isinstance(process, RemoteProcess):
            assert process.stream is not None and process.stream.ssh is not None
            assert job.streaming  # quitting now would cut it: the app's quit asks to cancel
            seen = progress
            os.kill(process.stream.ssh.pid, signal.SIGKILL)
    assert seen is not None, "the job ended before it was seen writing"
    return seen


def _target(url: str) -> Target:
    return Target(url, media=read_medium(url).toc.media)


def test_a_blank_remote_target_is_streamed_byte_exact(remote: Sshd, tmp_path: Path) -> None:
    entries, expected = _staged(tmp_path)
    path, inner = _remote_image(tmp_path, b"-s;`y`$(z)'.iso")
    plan = burn_plan(_target(remote.url + inner), entries, FAST)
    assert "stream" in plan.params and "uploads" not in plan.params
    assert any("streamed" in line for line in plan.confirm.lines)
    done = run_plan(plan, journal_dir=tmp_path / "journal")
    assert done.ok, [r.message for r in done.results] or done.error
    assert [r.kind for r in done.results] == ["burn", "check"]  # MD5 tags checked there
    assert done.report is not None and done.report.toc.media.status == "appendable"
    assert rr_tree(Path(os.fsdecode(path))) == expected
    runs = remote.remote_state / "discdeck" / "runs"
    assert not [p for p in runs.iterdir() if not p.name.endswith(".lock")]


def test_an_append_is_copied_first(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    make_image(Path(os.fsdecode(path)), sessions=["S1"])
    (tmp_path / "a").write_text("a")
    plan = burn_plan(_target(remote.url + inner), [MapEntry(str(tmp_path / "a"), "/a")], FAST)
    assert "uploads" in plan.params and "stream" not in plan.params
    assert any("copied there first" in line for line in plan.confirm.lines)


def test_a_cut_stream_fails_and_says_to_burn_again(remote: Sshd, tmp_path: Path) -> None:
    """The ssh client carrying the image is killed mid-stream (a dropped link): the write
    there is stopped, the burn fails naming the cut, and the cut image is emptied."""
    path, inner = _remote_image(tmp_path)
    source = tmp_path / "big.bin"  # more than the 32 MiB fifo there: still sending when cut
    source.write_bytes(os.urandom(64 * 2**20))
    plan = burn_plan(_target(remote.url + inner), [MapEntry(str(source), "/b")], SLOW)
    job = start_job(plan, journal_dir=tmp_path / "j")
    seen = _cut_while_writing(job)
    assert job.streaming is False  # (it was streaming when cut: quitting then asks to cancel)
    # the writer there reads a pipe: the total is the builder's -print_size here
    assert seen.total_sectors and seen.percent is not None, seen
    assert job.result.outcome == "failed"
    assert "stream from the local machine was cut" in job.result.message
    assert "burn again" in job.result.message
    assert os.path.getsize(os.fsdecode(path)) == 0  # emptied: blank again, as before
    runs = remote.remote_state / "discdeck" / "runs"
    assert not [p for p in runs.iterdir() if not p.name.endswith(".lock")]


def test_a_failed_build_here_fails_the_streamed_burn_with_its_reason(
    remote: Sshd, tmp_path: Path
) -> None:
    """A staged file deleted after planning: the local build fails at -map, the sender
    says so in its abort frame, and the burn there is stopped with that reason."""
    path, inner = _remote_image(tmp_path)
    (tmp_path / "gone.txt").write_text("x")
    plan = burn_plan(_target(remote.url + inner), [MapEntry(str(tmp_path / "gone.txt"), "/g")], FAST)
    (tmp_path / "gone.txt").unlink()
    done = run_plan(plan, journal_dir=tmp_path / "j")
    assert not done.ok
    message = done.results[0].message
    assert "building the image here failed" in message and "gone.txt" in message, message
    # Nothing written there: the image emptied, or never made when the abort frame came
    # before the remote xorriso opened it (the build fails at once; the order is the race's).
    target = os.fsdecode(path)
    assert not os.path.exists(target) or os.path.getsize(target) == 0


def test_a_job_whose_host_never_comes_back_is_left_for_later_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remote burn left running (this discdeck went away), then its host goes (its sshd
    stops: connections refused). Re-attaching tries once, briefly, and says the host is
    unreachable; the record stays for a later re-attach (no minute of reconnects)."""
    server = start_sshd(tmp_path / "own-sshd")
    monkeypatch.setenv("DISCDECK_SSH", server.ssh_env)
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="dd"))
    try:
        _path, inner = _remote_image(tmp_path)
        plan = burn_plan(Target(server.url + inner), [MapEntry(str(_source(tmp_path)), "/b")], SLOW)
        job = start_job(plan, journal_dir=tmp_path / "j")
        for progress in job.events():
            if progress.phase == "writing":
                job.stop_reading()
    finally:
        close_shared(parse_host(server.url))
        server.stop()
    runs = orphaned_operations()
    assert len(runs) == 1
    started = time.monotonic()
    assert "refuses connections" in (probe_run(runs[0].run_dir) or "")  # the app asks first
    assert time.monotonic() - started < 5
    started = time.monotonic()
    again = attach(runs[0])
    list(again.events())
    assert time.monotonic() - started < 8
    assert again.result.outcome == "failed"
    assert "unreachable" in again.result.message and "re-attach" in again.result.message
    assert "refuses connections" in again.result.message
    assert [run.run_dir for run in orphaned_operations()] == [runs[0].run_dir]  # kept


def test_an_image_file_is_streamed_to_a_blank_remote_target(remote: Sshd, tmp_path: Path) -> None:
    """`write` of an image here to a blank target there: read and sent as it is (no copy
    there first), with percent from its size, then compared there."""
    image = make_image(tmp_path / "-i; $(x) 'n'.iso", sessions=["IMG"])
    path, inner = _remote_image(tmp_path, b"written.iso")
    plan = write_image_plan(_target(remote.url + inner), str(image), FAST)
    assert plan.params["stream_file"] == str(image) and "uploads" not in plan.params
    assert any("streamed as it is read" in line for line in plan.confirm.lines)
    done = run_plan(plan, journal_dir=tmp_path / "journal")
    assert done.ok, [r.message for r in done.results] or done.error
    assert [r.kind for r in done.results] == ["write", "verify"]
    assert Path(os.fsdecode(path)).read_bytes()[: image.stat().st_size] == image.read_bytes()


def test_a_cut_image_stream_fails_and_says_to_write_again(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    image = tmp_path / "big.img"  # more than the 32 MiB fifo there: still sending when cut
    image.write_bytes(os.urandom(64 * 2**20))
    plan = write_image_plan(_target(remote.url + inner), str(image), SLOW)
    job = start_job(plan, journal_dir=tmp_path / "j")
    seen = _cut_while_writing(job)
    assert seen.total_sectors == 32 * 1024, seen  # the image's size here
    assert job.result.outcome == "failed"
    assert "stream from the local machine was cut" in job.result.message
    assert "write it again" in job.result.message
    assert os.path.getsize(os.fsdecode(path)) == 0
