"""Burn, append, check, blank, cancel and preflight against the real xorriso on stdio: images.

What the engine claims is checked with independent readers: pycdlib (Rock Ridge names and
file data), `xorriso -toc`, `-find`, `-extract` and `-check_md5_r` runs made here, and the
image file's bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import time
from pathlib import Path

import pycdlib
import pytest

from app.engine.commands import (
    BurnOptions,
    MapEntry,
    blank_commands,
    burn_commands,
    check_commands,
    eject_commands,
    format_commands,
    size_commands,
)
from app.engine.inspect import read_medium
from app.engine.journal import list_journals, read_journal
from app.engine.operations import Operation, OperationResult
from app.engine.preflight import forecast_size, preflight_burn
from app.engine.progress import Progress
from app.jobs.plan import Plan
from app.jobs.plans import Target, burn_plan
from app.jobs.start import start_blank, start_burn, start_check, start_eject, start_format
from tests.conftest import make_garbage_image, make_image, needs_xorriso, xorriso_run

FAST = BurnOptions(volume_id="TEST", pacifier_interval=0.5)


def run_op(op: Operation) -> tuple[list[Progress], OperationResult]:
    events = list(op.events())
    assert op.result is not None
    return events, op.result


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def r_lines(*args: str) -> list[str]:
    """R-channel lines of an independent xorriso run (packet prefix cut off)."""
    out = xorriso_run(*args, check=False).stdout
    return [os.fsdecode(x[5:]) for x in out.split(b"\n") if x.startswith(b"R:")]


def iso_files(image: Path) -> set[str]:
    lines = r_lines("-indev", f"stdio:{image}", "-find", "/", "-type", "f")
    return {line.strip("'") for line in lines}


def iso_sessions(image: Path) -> list[tuple[int, int]]:
    found = []
    for line in r_lines("-indev", f"stdio:{image}", "-toc"):
        if line.startswith("ISO session"):
            idx, start, *_ = (x.strip() for x in line.split(":", 1)[1].split(","))
            found.append((int(idx), int(start)))
    return found


# -- argv builders ---------------------------------------------------------------------


def test_burn_commands_shape() -> None:
    entries = [MapEntry("/src/a", "/a"), MapEntry("/src/--", "/x=y/--")]
    argv = burn_commands("stdio:/tmp/x.iso", entries, BurnOptions(speed="4d"))
    assert argv.index("-md5") < argv.index("-dev") and argv[argv.index("-md5") + 1] == "on"
    assert argv[argv.index("-dev") + 1] == "stdio:/tmp/x.iso"
    assert argv[argv.index("-stdio_sync") + 1] == "256k"
    assert argv[argv.index("-pacifier") + 1] == "interval=1"
    assert "-add" not in argv and argv.count("-map") == 2
    i = argv.index("-map")
    assert argv[i : i + 6] == ["-map", "/src/a", "/a", "-map", "/src/--", "/x=y/--"]
    assert argv[argv.index("-speed") + 1] == "4d"
    assert argv.index("-print_size") < argv.index("-commit")
    assert argv[-1] == "-commit" and "-check_md5_r" not in argv
    dummy = burn_commands("/dev/sr0", entries, BurnOptions(dummy=True, md5=False))
    assert "-stdio_sync" not in dummy and dummy[dummy.index("-dev") + 1] == "/dev/sr0"
    assert dummy[-1] == "-commit" and dummy[1] == "off"
    assert dummy[dummy.index("-dummy") + 1] == "on"


@pytest.mark.parametrize(
    ("entries", "options"),
    [
        ([MapEntry("/a\0b", "/a")], BurnOptions()),
        ([MapEntry("/a", "/a\0b")], BurnOptions()),
        ([MapEntry("/a", "relative/a")], BurnOptions()),
        ([MapEntry("/a", "/a")], BurnOptions(volume_id="X" * 33)),
        ([MapEntry("/a", "/a")], BurnOptions(speed="fast")),
        ([MapEntry("/a", "/a")], BurnOptions(write_type="packet")),
    ],
)
def test_burn_commands_refuse(entries: list[MapEntry], options: BurnOptions) -> None:
    with pytest.raises(ValueError):
        burn_commands("stdio:/tmp/x.iso", entries, options)


def test_other_builders() -> None:
    assert check_commands("stdio:/i.iso") == [
        "-md5", "on", "-indev", "stdio:/i.iso", "-check_md5_r", "sorry", "/", "--"
    ]  # fmt: skip
    assert blank_commands("stdio:/i.iso", "deformat_quickest")[-2:] == [
        "-blank",
        "deformat_quickest",
    ]
    assert format_commands("/dev/sr0", "by_index_2") == [
        "-outdev",
        "/dev/sr0",
        "-format",
        "by_index_2",
    ]
    assert format_commands("/dev/sr0", "by_size_4g")[-1] == "by_size_4g"
    assert eject_commands("/dev/sr0") == ["-outdev", "/dev/sr0", "-eject", "all"]
    assert size_commands("stdio:/i.iso", [MapEntry("/a", "/a")], BurnOptions())[-3:] == [
        "-print_size", "-tell_media_space", "-rollback_end"
    ]  # fmt: skip
    for bad in ("quick", "fast; rm", ""):
        with pytest.raises(ValueError):
            blank_commands("stdio:/i.iso", bad)
        with pytest.raises(ValueError):
            format_commands("stdio:/i.iso", bad)


# -- the real thing --------------------------------------------------------------------


@needs_xorriso
def test_burn_then_check_all_match(tmp_path: Path) -> None:
    files = {"a.bin": os.urandom(300_000), "sub/b.txt": b"hello\n", "empty": b""}
    src = tree(tmp_path / "src", files)
    image = tmp_path / "disc.iso"
    events, result = run_op(
        start_burn(f"stdio:{image}", [MapEntry(str(src), "/d")], FAST, journal_dir=tmp_path / "j")
    )
    assert result.outcome == "ok", result.message
    assert result.worst in ("NOTE", "UPDATE", "ALL") and result.returncode == 0
    assert result.written_sectors and result.start_lba == 32 and result.image_sectors
    assert result.message.startswith(f"written: {result.written_sectors} sectors")
    phases = [e.phase for e in events]
    assert phases[0] == "preparing" and phases[-1] == "done"
    assert events[-1].percent == 100.0
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        for name, data in files.items():
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, rr_path=f"/d/{name}")
            assert out.getvalue() == data
    finally:
        iso.close()
    assert r_lines("-indev", f"stdio:{image}", "-check_md5_r", "sorry", "/", "--") == [
        "File contents and their MD5 checksums match."
    ]
    events, check = run_op(start_check(f"stdio:{image}"))
    assert (check.outcome, check.mismatches, check.no_md5) == ("ok", [], False)
    assert [e.phase for e in events] == ["verifying", "done"]
    journal = read_journal(list_journals(tmp_path / "j")[0])
    banner = [line for line in journal.splitlines() if "RockRidge filesystem manipulator" in line]
    assert len(banner) == 1 and banner[0].split()[1] == "B", banner  # xorriso's banner, on stderr
    assert not [line for line in journal.splitlines() if line[10:13] == " E "], journal
    assert "B xorriso's banner (stderr)" in journal


@needs_xorriso
def test_append_second_session(tmp_path: Path) -> None:
    image = tmp_path / "disc.iso"
    one = tree(tmp_path / "one", {"first.txt": b"1" * 5000})
    two = tree(tmp_path / "two", {"second.txt": b"2" * 7000})
    _, first = run_op(start_burn(f"stdio:{image}", [MapEntry(str(one), "/one")], FAST))
    _, second = run_op(start_burn(f"stdio:{image}", [MapEntry(str(two), "/two")], FAST))
    assert (first.outcome, second.outcome) == ("ok", "ok"), second.message
    sessions = iso_sessions(image)
    assert [idx for idx, _ in sessions] == [1, 2]
    assert sessions[1][1] == second.start_lba > first.start_lba  # type: ignore[operator]
    assert iso_files(image) == {"/one/first.txt", "/two/second.txt"}
    assert read_medium(f"stdio:{image}").toc.media.status == "appendable"


@needs_xorriso
def test_check_names_exactly_the_damaged_file(tmp_path: Path) -> None:
    src = tree(
        tmp_path / "src", {"good.bin": os.urandom(200_000), "it's bad.bin": os.urandom(200_000)}
    )
    image = tmp_path / "disc.iso"
    _, burned = run_op(start_burn(f"stdio:{image}", [MapEntry(str(src), "/d")], FAST))
    assert burned.outcome == "ok"
    lba_lines = r_lines(
        "-indev", f"stdio:{image}", "-find", "/d/it's bad.bin", "-exec", "report_lba"
    )
    lba = int(next(x for x in lba_lines if x.startswith("File data lba:")).split(",")[1])
    with image.open("r+b") as f:
        f.seek((lba + 10) * 2048)
        f.write(b"\0" * 4 * 2048)
    _, check = run_op(start_check(f"stdio:{image}", journal_dir=tmp_path / "j"))
    assert check.outcome == "failed"
    assert check.mismatches == ["/d/it's bad.bin"]
    assert check.worst == "SORRY" and "1 file differs from its MD5" in check.message
    assert "MD5 MISMATCH" in read_journal(Path(check.journal))  # type: ignore[arg-type]


@needs_xorriso
def test_check_without_md5_is_not_a_pass(tmp_path: Path) -> None:
    image = tmp_path / "nomd5.iso"
    src = tree(tmp_path / "src", {"a": b"a"})
    xorriso_run("-md5", "off", "-dev", f"stdio:{image}", "-map", str(src), "/s", "-commit")
    _, check = run_op(start_check(f"stdio:{image}"))
    assert check.no_md5 and check.outcome == "failed" and "no MD5" in check.message


@needs_xorriso
def test_blank_format_eject(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A", "VOL_B"])
    events, blank = run_op(start_blank(f"stdio:{image}", "fast"))
    assert blank.outcome == "ok" and [e.phase for e in events] == ["blanking", "done"]
    assert read_medium(f"stdio:{image}").toc.media.status == "blank"
    _, again = run_op(start_blank(f"stdio:{image}"))
    assert again.outcome == "ok" and "already blank" in again.message
    _, fmt = run_op(start_format(f"stdio:{image}"))
    assert fmt.outcome == "ok" and "no formatting" in fmt.message
    _, full = run_op(start_format(f"stdio:{image}", "full"))
    assert full.outcome == "failed" and "Unsuitable media" in full.message
    _, eject = run_op(start_eject(f"stdio:{image}"))
    assert eject.outcome == "ok"


@needs_xorriso
def test_size_forecast_writes_nothing(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A"])
    before = digest(image)
    src = tree(tmp_path / "src", {"x.bin": os.urandom(100_000)})
    entries = [MapEntry(str(src), "/new")]
    forecast = forecast_size(f"stdio:{image}", entries, FAST)
    assert digest(image) == before and len(iso_sessions(image)) == 1
    assert forecast.media_free_sectors and forecast.media_free_sectors > forecast.image_sectors
    fresh = tmp_path / "not-yet.iso"
    assert forecast_size(f"stdio:{fresh}", entries, FAST).image_sectors > 50
    assert not fresh.exists()
    _, burned = run_op(start_burn(f"stdio:{image}", entries, FAST))
    assert burned.image_sectors == forecast.image_sectors


@needs_xorriso
def test_preflight(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A"])
    before = digest(image)
    src = tree(tmp_path / "src", {"big.bin": os.urandom(3_000_000)})
    entries = [MapEntry(str(src), "/s")]
    assert preflight_burn(f"stdio:{image}", entries, FAST) == []
    problems = preflight_burn(f"stdio:{image}", entries, FAST, capacity_sectors=1000)
    assert len(problems) == 1 and re.match(
        r"the stage is [\d.]+ MiB over the free space of", problems[0]
    )
    missing = [*entries, MapEntry(str(tmp_path / "gone.txt"), "/gone.txt")]
    problems = preflight_burn(f"stdio:{image}", missing, FAST)
    assert len(problems) == 1 and "gone.txt does not exist" in problems[0]
    garbage = make_garbage_image(tmp_path / "garbage.bin")  # not a disc image: never written
    problems = preflight_burn(f"stdio:{garbage}", entries, FAST)
    assert len(problems) == 1 and "is not a disc image" in problems[0]
    assert preflight_burn(f"stdio:{image}", [MapEntry(str(src), "rel")], FAST)
    assert preflight_burn(f"stdio:{image}", [], FAST)
    assert digest(image) == before
    assert preflight_burn(f"stdio:{tmp_path / 'new.iso'}", entries, FAST) == []


@needs_xorriso
def test_source_deleted_before_burn_fails(tmp_path: Path) -> None:
    src = tree(tmp_path / "src", {"keep.txt": b"k", "doomed.txt": b"d"})
    image = tmp_path / "disc.iso"
    entries = [MapEntry(str(src / n), f"/{n}") for n in ("keep.txt", "doomed.txt")]
    assert preflight_burn(f"stdio:{image}", entries, FAST) == []
    (src / "doomed.txt").unlink()
    _, result = run_op(start_burn(f"stdio:{image}", entries, FAST))
    assert result.outcome == "failed" and "doomed.txt" in result.message
    assert not image.exists() or image.stat().st_size == 0


@needs_xorriso
def test_source_vanishing_during_write_is_a_failed_burn(tmp_path: Path) -> None:
    """libisofs writes zeros for it and says "completed successfully": only a MISHAP."""
    src = tree(tmp_path / "src", {"a-big.bin": os.urandom(10_000_000), "z-late.txt": b"late\n"})
    image = tmp_path / "disc.iso"
    entries = [MapEntry(str(src / n), f"/{n}") for n in ("a-big.bin", "z-late.txt")]
    op = start_burn(f"stdio:{image}", entries, BurnOptions(speed="2d", pacifier_interval=0.5))
    for progress in op.events():
        if progress.phase == "writing" and (src / "z-late.txt").exists():
            (src / "z-late.txt").unlink()
    result = op.result
    assert result is not None and result.outcome == "failed"
    assert result.worst == "MISHAP" and "z-late.txt" in result.message
    assert "Filling with 0s" in result.message
    # Observed with xorriso 1.5.4: the MD5 recorded for the file is not that of the zeros
    # it got, so a checkread catches it too (the notes expected a match).
    _, check = run_op(start_check(f"stdio:{image}"))
    assert check.outcome == "failed" and check.mismatches == ["/z-late.txt"]


WEIRD = [
    b"with space", b"single'quote", b'double"quote', b"new\nline", b"tab\tchar",
    b"-leading-dash", b"eq=sign", b"star*q?[x]", b"--", b"non-utf8-\xff\xfe", b"back\\slash",
]  # fmt: skip


def rr_tree(image: Path) -> dict[bytes, bytes]:
    """{Rock Ridge path bytes: data} read by pycdlib from the directory records."""
    found: dict[bytes, bytes] = {}
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        stack = [(b"", iso.get_record(rr_path="/"))]
        while stack:
            prefix, record = stack.pop()
            for child in record.children:
                if child.is_dot() or child.is_dotdot():
                    continue
                path = prefix + b"/" + child.rock_ridge.name()
                if child.is_dir():
                    stack.append((path, child))
                else:
                    out = io.BytesIO()
                    iso.get_file_from_iso_fp(out, iso_path=iso.full_path_from_dirrecord(child))
                    found[path] = out.getvalue()
    finally:
        iso.close()
    return found


@needs_xorriso
def test_weird_names_arrive_byte_exact(tmp_path: Path) -> None:
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
    image = tmp_path / "weird.iso"
    _, result = run_op(start_burn(f"stdio:{image}", entries, FAST, journal_dir=tmp_path / "j"))
    assert result.outcome == "ok", result.message
    assert rr_tree(image) == expected
    raw = Path(result.journal).read_bytes()  # type: ignore[arg-type]
    assert b"/w/non-utf8-\xff\xfe'='" in raw  # the journal keeps the name's own bytes
    assert "/w/non-utf8-\ufffd\ufffd" in read_journal(Path(result.journal))  # type: ignore[arg-type]
    out = tmp_path / "out"
    xorriso_run("-osirrox", "on", "-indev", f"stdio:{image}", "-extract", "/", str(out))
    extracted = {}
    for top, _dirs, files in os.walk(os.fsencode(out)):
        for name in files:
            path = os.path.join(top, name)
            with open(path, "rb") as f:
                extracted[path[len(os.fsencode(out)) :]] = f.read()
    assert extracted == expected


@needs_xorriso
def test_cancel_a_first_session(tmp_path: Path) -> None:
    src = tree(tmp_path / "src", {"random.bin": os.urandom(60 * 2**20)})
    image = tmp_path / "disc.iso"
    journals = tmp_path / "journals"
    op = start_burn(
        f"stdio:{image}", [MapEntry(str(src), "/r")], BurnOptions(speed="2d"), journal_dir=journals
    )
    phases = []
    for progress in op.events():
        if progress.phase == "writing" and "writing" not in phases:
            op.cancel()
        phases.append(progress.phase)
    assert phases[0] == "preparing" and "writing" in phases and phases[-1] == "done"
    result = op.result
    assert result is not None
    assert (result.outcome, result.message) == ("cancelled", "cancelled by the user")
    assert result.returncode != 0
    assert op.pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(op.pid, 0)
    assert read_medium(f"stdio:{image}").toc.media.status == "blank"
    journal = Path(result.journal)  # type: ignore[arg-type]
    assert list_journals(journals) == [journal]
    assert re.fullmatch(r"\d{8}-\d{6}-burn\.log", journal.name)
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    text = read_journal(journal)
    assert '"-commit"' in text and "Writing:" in text and "outcome: cancelled" in text


@needs_xorriso
def test_dummy_leaves_the_image_unchanged(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A"])
    before = digest(image)
    src = tree(tmp_path / "src", {"x.bin": os.urandom(50_000)})
    _, result = run_op(
        start_burn(f"stdio:{image}", [MapEntry(str(src), "/x")], BurnOptions(dummy=True))
    )
    assert result.outcome == "ok" and result.message.startswith("simulation only")
    assert digest(image) == before


@needs_xorriso
def test_journals_newest_first(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A"])
    folder = tmp_path / "j"
    _, first = run_op(start_check(f"stdio:{image}", journal_dir=folder))
    _, second = run_op(start_eject(f"stdio:{image}", journal_dir=folder))
    assert list_journals(folder) == [Path(second.journal), Path(first.journal)]  # type: ignore[arg-type]
    assert "outcome: ok" in read_journal(Path(first.journal))  # type: ignore[arg-type]
    assert list_journals(tmp_path / "none") == []


@needs_xorriso
def test_cancel_before_start(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["VOL_A"])
    op = start_check(f"stdio:{image}")
    op.cancel()
    assert list(op.events()) == []
    assert op.result is not None and op.result.outcome == "cancelled"


@needs_xorriso
def test_abandoned_events_keep_draining(tmp_path: Path) -> None:
    """A consumer that stops iterating must not leave xorriso blocked on a full pipe."""
    src = tree(tmp_path / "src", {"x.bin": os.urandom(3_000_000)})
    image = tmp_path / "disc.iso"
    op = start_burn(f"stdio:{image}", [MapEntry(str(src), "/x")], BurnOptions(speed="8d"))
    events = op.events()
    assert next(events).phase == "preparing"
    events.close()
    deadline = time.monotonic() + 30
    while op.result is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert op.result is not None and op.result.outcome == "ok", op.result
    assert iso_files(image) == {"/x/x.bin"}


def test_a_burn_plan_reads_back_what_it_maps() -> None:
    """Re-attach reads the Plan back from the run folder and compares its entries with the
    stage: names must survive the trip through JSON."""
    entries = [
        MapEntry("/src/-map", "/-map"),
        MapEntry("/src/new\nline", "/a=b/*?[x]"),
        MapEntry(os.fsdecode(b"/src/bad\xff"), os.fsdecode(b"/bad\xff")),
    ]
    entries.append(MapEntry("-map", "/x"))  # a relative source may be named anything
    plan = burn_plan(Target("stdio:/x.iso"), entries, BurnOptions(volume_id="-map"))
    assert list(plan.entries) == entries
    back = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert list(back.entries) == entries
    assert back == plan
    assert list(back.argv[-len(plan.argv) :]) == list(plan.argv)


def test_checkread_after_needs_md5_and_a_real_write() -> None:
    assert BurnOptions().checkread_after
    assert not BurnOptions(verify=False).checkread_after
    assert not BurnOptions(md5=False).checkread_after
    assert not BurnOptions(dummy=True).checkread_after


def test_removals_come_before_the_maps_and_are_checked() -> None:
    """A folder of an earlier session can be left out and a new one of its name added in
    the same session: -rm_r must come first. The root and relative paths are refused."""
    entries = [MapEntry("/src/new", "/docs")]
    commands = burn_commands("stdio:/x.iso", entries, FAST, ["/docs", "/-old name"])
    first_rm = commands.index("-rm_r")
    assert commands[first_rm : first_rm + 6] == ["-rm_r", "/docs", "--", "-rm_r", "/-old name", "--"]
    assert first_rm < commands.index("-map")
    for bad in ("/", "docs", "/a\0b"):
        with pytest.raises(ValueError):
            burn_commands("stdio:/x.iso", entries, FAST, [bad])
