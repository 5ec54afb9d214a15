"""`mtx status` parsed from what tgtd's jukebox said in the MMC lab (tests/fixtures/lab-mtx-*),
and the changer service around it (the real mtx, a sysfs tree laid out as the kernel's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.drives.changer import ChangerError, find_changers, pick_changer, run_mtx, wait_for_medium
from app.engine.mtx import MtxParseError, load_argv, parse_mtx_status, unload_argv
from app.engine.sgio import Sense, readiness_of
from app.engine.sgio import test_unit_ready as ask_unit_ready
from tests.conftest import fixture_text


def test_lab_status_with_an_empty_drive() -> None:
    status = parse_mtx_status(fixture_text("lab-mtx-status.txt"))
    assert status.device == "/dev/sg2"
    assert [(d.number, d.full, d.source) for d in status.drives] == [(0, False, None)]
    assert [(s.number, s.full, s.tag) for s in status.slots] == [
        (1, True, "LAB_DATA"), (2, True, "BLANK_2"), (3, True, "BLANK_3"), (4, True, "BLANK_4"),
        (5, True, "BLANK_5"), (6, False, None), (7, False, None), (8, False, None),
    ]  # fmt: skip
    assert status.words() == "1 drive, 8 slots (5 full)"
    assert [s.number for s in status.empty_slots] == [6, 7, 8]


def test_lab_status_with_slot_2_loaded() -> None:
    status = parse_mtx_status(fixture_text("lab-mtx-status-loaded.txt"))
    drive = status.drive(0)
    assert drive is not None and (drive.full, drive.source, drive.tag) == (True, 2, "BLANK_2")
    assert status.slot(2) is not None and not status.slot(2).full
    assert [s.number for s in status.full_slots] == [1, 3, 4, 5]


def test_other_changers_words_parse_too() -> None:
    """A tape library's status as mtx prints it (mail slots, an unknown source, alternate
    tags), pasted with indentation and a note after it: the lines it knows still parse."""
    text = """
      Storage Changer /dev/sg5:2 Drives, 4 Slots ( 1 Import/Export )
    Data Transfer Element 0:Full (Unknown Storage Element Loaded):VolumeTag = A00001L5
    Data Transfer Element 1:Full (Storage Element 3 Loaded):VolumeTag = A00003L5 :AlternateVolumeTag = X
          Storage Element 1:Full :VolumeTag=A00004L5
          Storage Element 2:Empty
          Storage Element 3:Empty
          Storage Element 4 IMPORT/EXPORT:Full :VolumeTag=CLN001
    that was the whole output, as posted
    """
    status = parse_mtx_status(text)
    assert status.device == "/dev/sg5"
    assert [(d.number, d.source, d.tag) for d in status.drives] == [
        (0, None, "A00001L5"), (1, 3, "A00003L5"),
    ]  # fmt: skip
    assert [(s.number, s.full, s.tag, s.mail) for s in status.slots] == [
        (1, True, "A00004L5", False), (2, False, None, False), (3, False, None, False),
        (4, True, "CLN001", True),
    ]  # fmt: skip
    assert [s.number for s in status.full_slots] == [1]


def test_text_that_is_not_mtx_status_is_refused() -> None:
    with pytest.raises(MtxParseError, match="no 'Storage Changer' line"):
        parse_mtx_status(fixture_text("lab-mtx-refusals.txt"))


def test_argv() -> None:
    assert load_argv("/dev/sg2", 3) == ["mtx", "-f", "/dev/sg2", "load", "3", "0"]
    assert unload_argv("/dev/sg2", 3, 1) == ["mtx", "-f", "/dev/sg2", "unload", "3", "1"]


@pytest.mark.skipif(shutil.which("mtx") is None, reason="mtx is not installed")
def test_real_mtx_failure_is_one_line_naming_the_device(tmp_path: Path) -> None:
    missing = str(tmp_path / "sg9")
    with pytest.raises(ChangerError) as exc:
        run_mtx(load_argv(missing, 2))
    assert str(exc.value) == (
        f"mtx load 2 0 on {missing} failed: cannot open SCSI device '{missing}' - "
        "No such file or directory"
    )


def _sysfs(root: Path, name: str, kind: str, vendor: str, model: str) -> None:
    """A scsi_generic entry laid out as the kernel's (no changer exists on this machine)."""
    device = root / "class" / "scsi_generic" / name / "device"
    device.mkdir(parents=True)
    (device / "type").write_text(f"{kind}\n")
    (device / "vendor").write_text(f"{vendor}\n")
    (device / "model").write_text(f"{model}      \n")


def test_changers_are_found_by_scsi_type_8(tmp_path: Path) -> None:
    _sysfs(tmp_path, "sg0", "5", "IET", "VIRTUAL-CDROM")
    _sysfs(tmp_path, "sg2", "8", "STK", "L700")
    found = find_changers(str(tmp_path))
    assert [(c.device, c.title) for c in found] == [("/dev/sg2", "STK L700")]
    assert pick_changer(None, str(tmp_path)) == "/dev/sg2"
    assert pick_changer("/dev/sg7", str(tmp_path)) == "/dev/sg7"
    _sysfs(tmp_path, "sg3", "8", "HP", "MSL2024")
    with pytest.raises(ChangerError, match=r"several media changers: /dev/sg2 \(STK L700\), "):
        pick_changer(None, str(tmp_path))


def test_no_changer_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ChangerError, match="name one with --changer /dev/sgN"):
        pick_changer(None, str(tmp_path))


def test_test_unit_ready_words() -> None:
    """The lab's emptied jukebox drive said [2 3A 00]; a new medium says [6 28 00]."""
    assert readiness_of(0, None) == "ready"
    assert readiness_of(2, Sense(0x2, 0x3A, 0x00)) == "no medium"
    assert readiness_of(2, Sense(0x6, 0x28, 0x00)) == "changed"
    assert readiness_of(2, Sense(0x2, 0x04, 0x01)) == "not ready"
    assert readiness_of(2, Sense(0x5, 0x25, 0x00)) == "gone"  # the lab's deleted LUN
    assert ask_unit_ready("/nonexistent/sr9") == "gone"


def test_waiting_for_a_loaded_medium_stops_when_ready_or_gone() -> None:
    answers = iter(["no medium", "changed", "ready"])
    assert wait_for_medium("/dev/sr9", limit=5, ask=lambda _dev: next(answers)) == "ready"
    assert wait_for_medium("/dev/sr9", limit=5, ask=lambda _dev: "gone") == "gone"
    assert wait_for_medium("/dev/sr9", limit=0.3, ask=lambda _dev: "no medium") == "no medium"
