"""Remote drives over ssh, against a private sshd on 127.0.0.1 (tests/sshd.py): the real
OpenSSH client and server, the real xorriso on stdio: images "on the remote" (same machine,
other paths), read back with pycdlib and xorriso. ssh runs as DISCDECK_SSH="ssh -F CONFIG"
with the fixture's own identity and known-hosts files, StrictHostKeyChecking=yes."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.drives.remote_hosts import RemoteHost, remote_drives
from app.engine.address import parse_address
from app.engine.commands import BurnOptions, MapEntry
from app.engine.detach import DriveBusy
from app.engine.errors import AddressError, EngineError
from app.engine.inspect import read_medium
from app.engine.remote_address import parse_host
from app.engine.remote_run import RemoteProcess
from app.engine.ssh import SshError, close_shared
from app.iso.file import device_path
from app.jobs.finish import run_plan
from app.jobs.plans import Target, blank_plan, burn_plan, check_plan, surface_plan
from app.jobs.reattach import attach, orphaned_operations
from app.jobs.start import start_job
from tests.conftest import make_image, needs_xorriso
from tests.engine.test_operations import WEIRD, rr_tree
from tests.sshd import Sshd, have_sshd, start_sshd

pytestmark = [needs_xorriso, pytest.mark.skipif(not have_sshd(), reason="no openssh-server")]
FAST = BurnOptions(volume_id="REMOTE", pacifier_interval=0.5)
SLOW = BurnOptions(volume_id="REMOTE", speed="2d", pacifier_interval=0.5)
HOSTILE_DIR = b"-lead ;$(touch PWNED) `id` 'q' \"d\" *?[x] =eq \xff\xfe\nnl"
"""A remote folder name with every shell metacharacter, a newline and invalid UTF-8."""


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture
def remote(sshd: Sshd, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sshd]:
    """ssh through the fixture's config; connection sharing in a short runtime dir."""
    runtime = tempfile.mkdtemp(prefix="dd")
    monkeypatch.setenv("DISCDECK_SSH", sshd.ssh_env)
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    yield sshd
    close_shared(parse_host(sshd.url))
    subprocess.run(["rm", "-rf", runtime], check=False)


def _remote_image(tmp_path: Path, name: bytes = b"disc.iso") -> tuple[bytes, str]:
    """A path under a hostile folder (bytes) and its ssh:// address."""
    folder = os.fsencode(tmp_path) + b"/" + HOSTILE_DIR
    os.makedirs(folder, exist_ok=True)
    path = folder + b"/" + name
    return path, os.fsdecode(b"/stdio:" + path)


def test_addresses_parse_and_refuse_what_ssh_would_misread() -> None:
    address = parse_address("ssh://op@tower:2222/dev/sr0")
    assert (address.kind, address.path, address.remote.port) == ("device", "/dev/sr0", 2222)
    assert parse_address(address.text) == address
    image = parse_address("ssh://tower/stdio:/x y/$(z).iso")
    assert (image.kind, image.xorriso, image.remote.user) == ("stdio", "stdio:/x y/$(z).iso", None)
    for bad, words in [
        ("ssh://-oProxyCommand=touch%20x/dev/sr0", "bad host name"),
        ("ssh://op:secret@tower/dev/sr0", "password"),
        ("ssh://tower", "no drive"),
        ("ssh://tower/stdio:relative.iso", "absolute"),
    ]:
        with pytest.raises(AddressError, match=words) as caught:
            parse_address(bad)
        assert "secret" not in str(caught.value)


def test_info_over_ssh_reads_what_a_local_read_reads(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    make_image(Path(os.fsdecode(path)), sessions=["S1", "S2", "S3"])
    there = read_medium(remote.url + inner)
    here = read_medium("stdio:" + os.fsdecode(path))
    assert there.toc.drive.address == remote.url + inner
    assert [s.volume_id for s in there.toc.sessions] == ["S1", "S2", "S3"]
    assert there.toc.sessions == here.toc.sessions
    assert there.toc.media.status == "appendable"


def _staged(tmp_path: Path) -> tuple[list[MapEntry], dict[bytes, bytes]]:
    src = os.fsencode(tmp_path / "src")
    folder = os.path.join(src, b"dir -- =*")
    os.makedirs(folder)
    for i, name in enumerate(WEIRD):
        with open(os.path.join(src, name), "wb") as f:
            f.write(b"%d:" % i + name)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(b"%d:" % i + name * 2)
    entries = [MapEntry(os.fsdecode(os.path.join(src, n)), "/w/" + os.fsdecode(n)) for n in WEIRD]
    entries.append(MapEntry(os.fsdecode(folder), "/-- =*/in 'f'"))
    expected = {b"/w/" + n: b"%d:" % i + n for i, n in enumerate(WEIRD)}
    expected |= {b"/-- =*/in 'f'/" + n: b"%d:" % i + n * 2 for i, n in enumerate(WEIRD)}
    return entries, expected


def test_remote_burn_of_hostile_names_arrives_byte_exact(remote: Sshd, tmp_path: Path) -> None:
    """Staged names and the remote image path, with every shell metacharacter, a newline,
    leading dashes and invalid UTF-8, arrive byte-exact; the remote shell ran nothing."""
    entries, expected = _staged(tmp_path)
    path, inner = _remote_image(tmp_path, b"-x;`y`$(z)'.iso")
    plan = burn_plan(Target(remote.url + inner), entries, FAST)
    assert all(os.fsencode(e.disk_path) not in " ".join(plan.argv).encode("utf-8", "surrogateescape")
               for e in entries)  # fmt: skip
    done = run_plan(plan, journal_dir=tmp_path / "journal")
    assert done.ok, [r.message for r in done.results] or done.error
    assert [r.kind for r in done.results] == ["burn", "check"]  # the checkread ran there too
    assert done.report is not None and done.report.toc.media.status == "appendable"
    assert rr_tree(Path(os.fsdecode(path))) == expected
    assert not list(Path(tmp_path).rglob("PWNED")) and not Path("PWNED").exists()
    runs = remote.remote_state / "discdeck" / "runs"
    assert not [p for p in runs.iterdir() if not p.name.endswith(".lock")]  # cleaned there


def test_no_ssh_option_reaches_a_journal_or_run_file(
    remote: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = "SECRET-IDENTITY-7f3a"
    identity = remote.folder / "client_key"
    monkeypatch.setenv(
        "DISCDECK_SSH", f"{remote.ssh_env} -o IdentityFile={identity} -o SetEnv=X={marker}"
    )
    (tmp_path / "a.txt").write_text("a\n")
    _path, inner = _remote_image(tmp_path)
    plan = burn_plan(Target(remote.url + inner), [MapEntry(str(tmp_path / "a.txt"), "/a")], FAST)
    done = run_plan(plan, journal_dir=tmp_path / "journal")
    assert done.ok, [r.message for r in done.results]
    written = [*(tmp_path / "journal").iterdir(), *(tmp_path / ".xdg").rglob("*")]
    for file in [p for p in written if p.is_file()]:
        data = file.read_bytes()
        assert marker.encode() not in data and b"client_key" not in data, file


def test_blank_and_check_remote(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    make_image(Path(os.fsdecode(path)), sessions=["S1"])
    address = remote.url + inner
    checked = run_plan(check_plan(Target(address)), journal_dir=tmp_path / "j")
    assert checked.results and checked.results[0].kind == "check"
    blanked = run_plan(blank_plan(Target(address), "as_needed"), journal_dir=tmp_path / "j")
    assert blanked.ok and blanked.report.toc.media.status == "blank"


def test_unknown_host_key_is_refused_in_one_line(
    remote: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    config = tmp_path / "ssh_config"
    config.write_text(
        remote.ssh_config.read_text().replace(str(remote.folder / "known_hosts"), str(empty))
    )
    monkeypatch.setenv("DISCDECK_SSH", f"ssh -F {config}")
    with pytest.raises(SshError, match=r"host key of 127\.0\.0\.1 is not known") as caught:
        read_medium(remote.url + "/stdio:/nonexistent.iso")
    assert "\n" not in str(caught.value)
    monkeypatch.setenv("DISCDECK_SSH", f"{remote.ssh_env} -o StrictHostKeyChecking=no")
    with pytest.raises(SshError, match="refuses that"):
        read_medium(remote.url + "/stdio:/nonexistent.iso")


def _source(tmp_path: Path, mib: int = 16) -> Path:
    src = tmp_path / "big"
    src.mkdir()
    (src / "random.bin").write_bytes(os.urandom(mib * 2**20))
    return src


def test_killed_ssh_mid_burn_reconnects_and_the_burn_finishes(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    job = start_job(burn_plan(Target(remote.url + inner), [MapEntry(str(_source(tmp_path)), "/b")], SLOW),
                    journal_dir=tmp_path / "j")  # fmt: skip
    killed = None
    for progress in job.events():
        process = job._process
        if killed is None and progress.phase == "writing" and isinstance(process, RemoteProcess):
            killed = process.follower.pid
            os.kill(killed, signal.SIGKILL)  # the local ssh client of the follower
    assert killed is not None, "the burn ended before it was seen writing"
    assert job.result.outcome == "ok", job.result.message
    journal = Path(job.result.journal).read_text(errors="replace")
    assert "dropped" in journal and "reconnecting" in journal
    assert f"xorriso runs on {remote.url}" in journal
    assert set(rr_tree(Path(os.fsdecode(path)))) == {b"/b/random.bin"}


def test_a_dropped_follower_then_reattach_shows_the_result(remote: Sshd, tmp_path: Path) -> None:
    path, inner = _remote_image(tmp_path)
    source = _source(tmp_path)
    plan = burn_plan(Target(remote.url + inner), [MapEntry(str(source), "/b")], SLOW)
    job = start_job(plan, journal_dir=tmp_path / "j")
    for progress in job.events():
        if progress.phase == "writing":
            job.stop_reading()  # this discdeck goes away; the burn goes on there
    assert job.result is None
    runs = orphaned_operations()
    assert [run.address for run in runs] == [remote.url + inner] and runs[0].alive
    again = attach(runs[0])
    list(again.events())
    assert again.result.outcome == "ok", again.result.message
    assert again.result.written_sectors and again.result.written_sectors > 8000
    assert set(rr_tree(Path(os.fsdecode(path)))) == {b"/b/random.bin"}
    assert orphaned_operations() == []


def test_hosts_list_their_drives_and_say_why_one_is_unreachable(remote: Sshd) -> None:
    good = RemoteHost("loop", parse_host(remote.url))
    gone = RemoteHost("gone", parse_host("ssh://127.0.0.1:1"))
    found = remote_drives([good, gone])
    assert found[0].error is None and isinstance(found[0].drives, list)
    assert "refuses connections" in (found[1].error or "")


def test_a_newline_in_the_image_path_is_still_a_committed_burn(tmp_path: Path) -> None:
    folder = tmp_path / "new\nline"
    folder.mkdir()
    (tmp_path / "a.txt").write_text("a\n")
    plan = burn_plan(
        Target(f"stdio:{folder / 'd.iso'}"), [MapEntry(str(tmp_path / "a.txt"), "/a")], FAST
    )
    done = run_plan(plan, journal_dir=tmp_path / "j")
    assert done.ok, [r.message for r in done.results]
    assert set(rr_tree(folder / "d.iso")) == {b"/a"}


def test_cancel_and_one_job_per_remote_drive(remote: Sshd, tmp_path: Path) -> None:
    """A second job on a drive whose remote job runs is refused there (the remote's lock,
    whichever machine asks); cancel reaches xorriso there through the wrapper."""
    _path, inner = _remote_image(tmp_path)
    # 64 MiB at 2d: ~24 s of writing, so the refusal and the cancel land mid-write under load
    source = _source(tmp_path, mib=64)
    plan = burn_plan(Target(remote.url + inner), [MapEntry(str(source), "/b")], SLOW)
    job = start_job(plan, journal_dir=tmp_path / "j")
    refused = None
    for progress in job.events():
        if progress.phase == "writing" and refused is None:
            with pytest.raises(DriveBusy, match="is busy") as caught:
                second = start_job(check_plan(Target(remote.url + inner)))
                list(second.events())
            refused = str(caught.value)
            job.cancel()
    assert refused and "on 127.0.0.1" in refused
    assert job.result.outcome == "cancelled", job.result.message
    runs = remote.remote_state / "discdeck" / "runs"
    assert not list(runs.iterdir())  # run folder and lock both gone


def test_jobs_that_would_touch_files_on_the_wrong_machine_are_refused(tmp_path: Path) -> None:
    """A surface scan, rescue read or extract of an ssh:// drive would read or write a
    local path of the same name: refused in one line, before ssh runs or a file is made."""
    address = "ssh://op@tower/stdio:" + str(tmp_path / "disc.iso")
    with pytest.raises(EngineError, match="not supported on a drive on another machine"):
        start_job(surface_plan(Target(address)))
    with pytest.raises(OSError, match="on another machine"):
        device_path(address)
    assert list(tmp_path.iterdir()) == [tmp_path / ".xdg"]
