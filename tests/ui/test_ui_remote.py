"""Remote hosts in the app, against the private sshd of tests/sshd.py: their drives in the
drive list under a heading per host, asked in a worker (the local drives open first; an
unreachable host is one greyed line saying why); a job left running on a host that is gone
is named at the start without holding it up, and its record is kept."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import config_file
from app.drives.remote_hosts import HostDrives, RemoteDrive, RemoteHost
from app.drives.remote_listing import host_rows
from app.engine.commands import MapEntry
from app.engine.remote_address import parse_host
from app.engine.ssh import close_shared
from app.jobs.plans import Target, burn_plan
from app.jobs.reattach import orphaned_operations
from app.jobs.start import start_job
from app.tui.app import DiscdeckApp
from tests.conftest import needs_xorriso
from tests.engine.test_operations import rr_tree
from tests.engine.test_remote import SLOW, _source
from tests.sshd import Sshd, have_sshd, start_sshd
from tests.ui.pilot import screen_text, settle, stage, wait_for
from tests.ui.test_snapshots import pinned_recorder
from widgets.drive_list import DriveList

__all__ = ["pinned_recorder"]  # the snapshots' pinned home, a fixture
pytestmark = [needs_xorriso, pytest.mark.skipif(not have_sshd(), reason="no openssh-server")]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture
def hosts(sshd: Sshd, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sshd]:
    """A config naming the sshd ("lab", no user or port shown) and a host that refuses."""
    runtime = tempfile.mkdtemp(prefix="dd")
    monkeypatch.setenv("DISCDECK_SSH", sshd.ssh_env)
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(
        f'[[hosts]]\nname = "lab"\naddress = "ssh://127.0.0.1:{sshd.port}"\n'
        '[[hosts]]\nname = "gone"\naddress = "ssh://127.0.0.1:1"\n'
    )
    yield sshd
    close_shared(parse_host(f"ssh://127.0.0.1:{sshd.port}"))
    subprocess.run(["rm", "-rf", runtime], check=False)


def test_host_rows_group_drives_under_their_host() -> None:
    """The rows' shape, from a host's answer (data only: this machine has no drive to list)."""
    lab = RemoteHost("lab", parse_host("ssh://op@lab:2222"))
    gone = RemoteHost("gone", parse_host("ssh://gone"))
    rows = host_rows([
        HostDrives(lab, [RemoteDrive("ssh://op@lab:2222/dev/sr0", "HL-DT-ST", "BD-RE")]),
        HostDrives(gone, error="gone refuses connections on the ssh port"),
    ])  # fmt: skip
    assert [(r.row, r.title) for r in rows] == [
        ("host", "lab"), ("drive", "lab: /dev/sr0"),
        ("host", "gone"), ("note", "✗ refuses connections"),
    ]  # fmt: skip
    assert rows[3].problem == "gone refuses connections on the ssh port"  # the log says it all
    assert rows[1].address == "ssh://op@lab:2222/dev/sr0" and rows[1].detail == "HL-DT-ST BD-RE"


async def test_remote_hosts_are_listed_by_host_without_holding_up_the_start(hosts: Sshd) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, need_report=True)  # the local virtual recorder opened and read
        await wait_for(pilot, lambda: "✗ refuses" in screen_text(app) and "no optical" in screen_text(app))
        text = screen_text(app)
        assert text.index("lab") < text.index("no optical drives") < text.index("gone")
        rows = app.screen.query_one(DriveList).entries
        assert [r.row for r in rows if r.row != "drive"] == ["host", "note", "host", "note"]
        assert "refuses connections" in rows[-1].title
        assert "gone unreachable: 127.0.0.1 refuses connections" in text  # the log: why, and the fix
        drive_list = app.screen.query_one(DriveList)
        for _ in range(len(rows)):  # the cursor never lands on a heading or a note
            await pilot.press("down")
            assert drive_list.selected() is None or drive_list.selected().row == "drive"


def test_snapshot_drive_list_with_a_remote_host(
    snap_compare, hosts: Sshd, pinned_recorder: Path
) -> None:
    """The pinned home of the main screen's snapshots (fixed paths), with one host."""
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(f'[[hosts]]\nname = "lab"\naddress = "ssh://127.0.0.1:{hosts.port}"\n')

    async def listed(pilot) -> None:
        await settle(pilot, need_report=True)
        await wait_for(pilot, lambda: "no optical drives" in screen_text(pilot.app))
        await settle(pilot)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=listed)


async def test_a_job_on_a_host_that_is_gone_is_named_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_sshd(tmp_path / "own-sshd")
    monkeypatch.setenv("DISCDECK_SSH", server.ssh_env)
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="dd"))
    try:
        address = f"{server.url}/stdio:{tmp_path / 'disc.iso'}"
        job = start_job(burn_plan(Target(address), [MapEntry(str(_source(tmp_path)), "/b")], SLOW))
        for progress in job.events():
            if progress.phase == "writing":
                job.stop_reading()  # this discdeck goes away, then the host does too
    finally:
        close_shared(parse_host(server.url))
        server.stop()
    app = DiscdeckApp()
    started = time.monotonic()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, need_report=True)
        said = lambda: " ".join(n.message for n in app._notifications)  # noqa: E731 (toasts wrap)
        await wait_for(pilot, lambda: "unreachable, re-attach later" in said(), 15)
        assert "refuses connections" in said()
        assert time.monotonic() - started < 15
        assert type(app.screen).__name__ == "MainScreen"  # nothing modal in the way
    assert len(orphaned_operations()) == 1  # the record stays for a later start


async def test_burn_from_the_app_to_a_blank_remote_image_is_streamed(
    hosts: Sshd, tmp_path: Path
) -> None:
    """A new user's way: open the remote drive, stage, b; the confirmation says the image
    is streamed, the burn and its checkread run there, the image reads back."""
    image = tmp_path / "remote disc.iso"
    source = tmp_path / "src"
    source.mkdir()
    (source / "a b.txt").write_text("streamed\n")
    app = DiscdeckApp(f"ssh://127.0.0.1:{hosts.port}/stdio:{image}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(source))
        await pilot.press("b")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await wait_for(pilot, lambda: "Burn this session" in screen_text(app))
        assert any("streamed as it is built" in line for line in app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished, seconds=90)
        assert [(r.kind, r.outcome) for r in screen.results] == [("burn", "ok"), ("check", "ok")]
    assert rr_tree(image) == {b"/src/a b.txt": b"streamed\n"}
