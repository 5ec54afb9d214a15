"""Remaster a BIOS+EFI bootable image: files added and removed, boot entries unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.remaster import RemasterError, boot_files, remaster_commands
from app.iso.eltorito import read_boot_catalog
from app.iso.view import open_session
from app.jobs.start import start_remaster
from tests.conftest import needs_xorriso, xorriso_run
from tests.services.test_eltorito import make_bootable, xorriso_el_torito


def boot_shape(image: Path) -> list[tuple]:
    """What must survive a remaster: per entry platform, bootability, emulation, load size."""
    catalog = read_boot_catalog(str(image))
    assert catalog is not None
    return [
        (e.section, e.platform, e.bootable, e.media_type_name, e.load_segment, e.sector_count)
        for e in catalog.entries
    ]


def xorriso_find(image: Path) -> set[str]:
    out = xorriso_run("-indev", f"stdio:{image}", "-find", "/").stdout.decode()
    paths = set()
    for line in out.splitlines():
        line = line.removeprefix("R:1: ")
        if line.startswith("'") and line.endswith("'"):
            paths.add(line[1:-1])
    return paths


def test_commands() -> None:
    commands = remaster_commands(
        "/in.iso", "stdio:/out.iso", [("/disk/new.txt", "/new.txt")], ["/old"], "NEWVOL"
    )
    assert commands == [
        "-md5", "on", "-indev", "stdio:/in.iso", "-outdev", "stdio:/out.iso",
        "-boot_image", "any", "replay",
        "-rm_r", "/old", "--",
        "-map", "/disk/new.txt", "/new.txt",
        "-volid", "NEWVOL",
        "-pacifier", "interval=1", "-commit",
    ]  # fmt: skip
    for bad in (
        lambda: remaster_commands("/a.iso", "/a.iso", [], []),
        lambda: remaster_commands("/a.iso", "/b.iso", [], ["relative"]),
        lambda: remaster_commands("/a.iso", "/b.iso", [], ["/"]),
        lambda: remaster_commands("/a.iso", "/b.iso", [("/x", "y")], []),
        lambda: remaster_commands("/a.iso", "/b.iso", [], [], "V" * 33),
    ):
        with pytest.raises(ValueError):
            bad()


@needs_xorriso
def test_remaster_keeps_boot_entries(tmp_path: Path) -> None:
    source = make_bootable(tmp_path / "install.iso")
    added = tmp_path / "preseed.cfg"
    added.write_bytes(b"d-i debian-installer/locale string en_US\n")
    extra = tmp_path / "extra"
    (extra / "pool").mkdir(parents=True)
    (extra / "pool" / "pkg.deb").write_bytes(b"deb" * 1000)
    out = tmp_path / "remastered.iso"
    op = start_remaster(
        str(source), str(out),
        [(str(added), "/preseed/preseed.cfg"), (str(extra), "/extra")],
        ["/remove.me"], "REMASTERED", journal_dir=tmp_path / "journal",
    )  # fmt: skip
    events = list(op.events())
    assert op.result is not None, events
    assert op.result.outcome == "ok", op.result.message
    assert op.result.start_lba is not None  # 32 on a fresh stdio: file, head copied to 0-31

    assert boot_shape(out) == boot_shape(source)
    assert [row[:6] for row in xorriso_el_torito(out)[1]] == [
        row[:6] for row in xorriso_el_torito(source)[1]
    ]
    assert set(boot_files(str(out))) == {"/isolinux/boot.cat", "/isolinux/isolinux.bin", "/efi.img"}

    with open_session(str(out)) as view:
        assert view.volume_id == "REMASTERED"
        assert view.open_file("/preseed/preseed.cfg").read() == added.read_bytes()
        assert view.stat("/extra/pool/pkg.deb").size == 3000
        assert view.open_file("/readme.txt").read() == b"read me\n"
        assert not view.exists("/remove.me")
        # each boot entry still points at its file's data
        catalog = read_boot_catalog(str(out))
        assert catalog is not None
        starts = {e.load_rba for e in catalog.entries}
        assert view.stat("/isolinux/isolinux.bin").start_sector in starts
        assert view.stat("/efi.img").start_sector in starts
        # the boot info table was patched for the new image: PVD block, boot file block
        head = view.open_file("/isolinux/isolinux.bin").read(64)
        assert int.from_bytes(head[8:12], "little") == op.result.start_lba + 16
        start = view.stat("/isolinux/isolinux.bin").start_sector
        assert int.from_bytes(head[12:16], "little") == start
    found = xorriso_find(out)
    assert {"/preseed/preseed.cfg", "/extra/pool/pkg.deb", "/readme.txt"} <= found
    assert "/remove.me" not in found


@needs_xorriso
def test_refusals(tmp_path: Path) -> None:
    source = make_bootable(tmp_path / "install.iso")
    out = tmp_path / "out.iso"
    with pytest.raises(RemasterError, match=r"boot image 2 /efi\.img"):
        start_remaster(str(source), str(out), [], ["/efi.img"])
    with pytest.raises(RemasterError, match="boot catalog"):
        start_remaster(str(source), str(out), [], ["/isolinux"])
    with pytest.raises(RemasterError, match="does not exist"):
        start_remaster(str(source), str(out), [(str(tmp_path / "gone"), "/gone")], [])
    with pytest.raises(RemasterError, match="does not exist"):
        start_remaster(str(tmp_path / "nope.iso"), str(out), [], [])
    out.write_bytes(b"precious")
    with pytest.raises(RemasterError, match="exists"):
        start_remaster(str(source), str(out), [], ["/remove.me"])
    with pytest.raises(RemasterError, match="is not a disc image"):  # not even when asked
        start_remaster(str(source), str(out), [], ["/remove.me"], overwrite=True)
    assert out.read_bytes() == b"precious"
    out.write_bytes(source.read_bytes())  # an image may be replaced when asked
    op = start_remaster(str(source), str(out), [], ["/remove.me"], overwrite=True)
    list(op.events())
    assert op.result is not None and op.result.outcome == "ok", op.result.message
    assert boot_shape(out) == boot_shape(source)
