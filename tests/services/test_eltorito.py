"""El Torito catalogs: parsed from real BIOS+EFI images and checked against
`xorriso -report_el_torito plain`; synthetic catalogs for the emulation modes."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest

from app.engine.inspect import read_medium
from app.iso.eltorito import parse_catalog, read_boot_catalog
from tests.conftest import make_image, needs_xorriso, xorriso_run

XORRISO_PLATFORM = {"BIOS": "BIOS", "PPC": "PPC", "Mac": "Mac", "UEFI": "EFI"}


def make_bootable(path: Path, volid: str = "BOOTVOL") -> Path:
    """A BIOS (isolinux-like, boot info table) + EFI (El Torito alt boot) image.

    The boot files are random blobs: nothing boots, but the catalog is what mkisofs-style
    install ISOs carry. Also holds /readme.txt and /remove.me for remaster tests.
    """
    src = path.parent / f".{path.name}.src"
    (src / "isolinux").mkdir(parents=True)
    (src / "isolinux" / "isolinux.bin").write_bytes(bytes(range(256)) * 16)  # 4 KiB
    (src / "efi.img").write_bytes(b"\xeb\x3c\x90" + bytes(1_474_560 - 3))  # a FAT-less 1.44 MB
    (src / "readme.txt").write_bytes(b"read me\n")
    (src / "remove.me").write_bytes(b"remove me\n")
    subprocess.run(
        [
            "xorriso", "-as", "mkisofs", "-R", "-J", "-V", volid, "-o", str(path),
            "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
            "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
            "-eltorito-alt-boot", "-e", "efi.img", "-no-emul-boot", str(src),
        ],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    return path


_IMG = re.compile(
    r"^El Torito boot img :\s+(\d+)\s+(\S+)\s+([yn])\s+(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)"
    r"\s+(\d+)\s+(\d+)"
)
_CAT = re.compile(r"^El Torito catalog\s*:\s*(\d+)\s+(\d+)")


def xorriso_el_torito(image: Path) -> tuple[int, list[tuple]]:
    """(catalog sector, [(platform, bootable, emulation, ld_seg, hdpt, ldsiz, lba)])."""
    out = xorriso_run("-indev", f"stdio:{image}", "-report_el_torito", "plain").stdout.decode()
    catalog, images = -1, []
    for line in out.splitlines():
        line = re.sub(r"^R:1: ", "", line)
        if m := _CAT.match(line):
            catalog = int(m.group(1))
        elif m := _IMG.match(line):
            _n, pltf, boot, emul, seg, hdpt, ldsiz, lba = m.groups()
            platform = XORRISO_PLATFORM.get(pltf, pltf)
            images.append((platform, boot == "y", emul, int(seg, 16), int(hdpt, 16), int(ldsiz), int(lba)))  # fmt: skip
    return catalog, images


def catalog_rows(image: Path, session_start: int | None = None) -> tuple[int, list[tuple]]:
    catalog = read_boot_catalog(str(image), session_start)
    assert catalog is not None
    rows = [
        (
            e.platform,
            e.bootable,
            e.emulation,
            e.load_segment,
            e.system_type,
            e.sector_count,
            e.load_rba,
        )
        for e in catalog.entries
    ]
    return catalog.catalog_sector, rows


@needs_xorriso
def test_bios_efi_catalog_matches_xorriso(tmp_path: Path) -> None:
    image = make_bootable(tmp_path / "boot.iso")
    catalog = read_boot_catalog(str(image))
    assert catalog is not None and catalog.checksum_ok and not catalog.problems
    assert catalog.validation_platform == "BIOS"
    bios, efi = catalog.entries
    assert (bios.section, bios.platform, bios.media_type_name) == (0, "BIOS", "no emulation")
    assert bios.sector_count == 4 and bios.bootable
    assert (efi.section, efi.platform, efi.platform_id) == (1, "EFI", 0xEF)
    assert efi.media_type_name == "no emulation" and efi.sector_count == 2880
    assert catalog_rows(image) == xorriso_el_torito(image)


@needs_xorriso
def test_only_the_bootable_session_has_a_catalog(tmp_path: Path) -> None:
    """Session 1 plain, session 2 made bootable: each session start shows its own truth."""
    image = make_image(tmp_path / "grow.iso", ["PLAIN"])
    assert read_boot_catalog(str(image)) is None
    boot = tmp_path / "b"
    boot.mkdir()
    (boot / "loader.bin").write_bytes(bytes(4096))
    xorriso_run(
        "-dev", f"stdio:{image}", "-map", str(boot), "/b",
        "-boot_image", "any", "bin_path=/b/loader.bin",
        "-boot_image", "any", "cat_path=/b/boot.cat",
        "-boot_image", "any", "load_size=2048",
        "-commit",
    )  # fmt: skip
    sessions = read_medium(f"stdio:{image}").toc.sessions
    assert len(sessions) == 2
    assert read_boot_catalog(str(image), sessions[0].start) is None
    newest = catalog_rows(image, sessions[1].start)
    assert newest == catalog_rows(image) == xorriso_el_torito(image)
    assert newest[1][0][:3] == ("BIOS", True, "none") and newest[1][0][5] == 4


def _entry(indicator: int, media: int, segment: int, system: int, count: int, rba: int) -> bytes:
    return struct.pack("<BBHBxHI", indicator, media, segment, system, count, rba).ljust(32, b"\0")


def _validation(platform: int, ident: bytes) -> bytes:
    raw = bytearray(struct.pack("<BBH", 1, platform, 0) + ident.ljust(24, b"\0") + b"\0\0\x55\xaa")
    checksum = (-sum(struct.unpack("<16H", bytes(raw)))) & 0xFFFF
    raw[28:30] = struct.pack("<H", checksum)
    return bytes(raw)


def test_synthetic_catalog_emulations_and_sections() -> None:
    data = (
        _validation(0, b"DISCDECK TEST")
        + _entry(0x88, 2, 0x7C0, 0, 1, 100)  # 1.44M floppy default
        + struct.pack("<BBH", 0x90, 0x01, 2).ljust(4, b"\0") + b"PPC SECTION".ljust(28, b"\0")
        + _entry(0x88, 4, 0, 0x83, 1, 200)  # hard disk, partition type 0x83
        + b"\x44" + bytes(31)  # extension entry: skipped
        + _entry(0x00, 1, 0, 0, 1, 300)  # not bootable 1.2M floppy
        + struct.pack("<BBH", 0x91, 0xEF, 1).ljust(32, b"\0")
        + _entry(0x88, 0, 0, 0, 0, 400)
    ).ljust(2048, b"\0")  # fmt: skip
    catalog = parse_catalog(data, 33)
    assert catalog is not None and catalog.checksum_ok and not catalog.problems
    assert catalog.id_string == "DISCDECK TEST"
    rows = [(e.section, e.platform, e.bootable, e.emulation, e.system_type, e.load_rba) for e in catalog.entries]  # fmt: skip
    assert rows == [
        (0, "BIOS", True, "fd1.4", 0, 100),
        (1, "PPC", True, "hd", 0x83, 200),
        (1, "PPC", False, "fd1.2", 0, 300),
        (2, "EFI", True, "none", 0, 400),
    ]
    assert catalog.entries[1].id_string.rstrip(b"\0") == b"PPC SECTION"
    assert catalog.entries[0].media_type_name == "1.44M floppy"


def test_synthetic_catalog_damage() -> None:
    assert parse_catalog(bytes(2048)) is None
    good = _validation(0, b"X") + _entry(0x88, 0, 0, 0, 4, 10)
    broken = bytearray(good.ljust(2048, b"\0"))
    broken[5] ^= 0xFF
    catalog = parse_catalog(bytes(broken))
    assert catalog is not None and not catalog.checksum_ok and catalog.problems
    short = (good + struct.pack("<BBH", 0x91, 0xEF, 3).ljust(32, b"\0") + _entry(0x88, 0, 0, 0, 1, 5)).ljust(2048, b"\0")  # fmt: skip
    catalog = parse_catalog(short)
    assert catalog is not None
    assert len(catalog.entries) == 2  # the two missing entries are not read as zero entries
    assert catalog.problems == ["section 1 claims 3 entries; the catalog holds 1"]


@pytest.mark.parametrize("garbage", [b"", b"\x01" + bytes(100)])
def test_garbage_catalog(garbage: bytes) -> None:
    assert parse_catalog(garbage) is None


def _patched_catalog(image: Path, name: str, offset: int, raw: bytes) -> Path:
    data = bytearray(image.read_bytes())
    sector = read_boot_catalog(str(image)).catalog_sector  # type: ignore[union-attr]
    data[sector * 2048 + offset : sector * 2048 + offset + len(raw)] = raw
    out = image.with_name(name)
    out.write_bytes(bytes(data))
    return out


@needs_xorriso
def test_a_section_claiming_65535_entries_lists_only_what_is_there(tmp_path: Path) -> None:
    """xorriso lists 32 boot images (its bound) for such a catalog, 31 of them zeros; the
    catalog holds one entry in that section, and the claim is named as damage."""
    image = make_bootable(tmp_path / "boot.iso")
    many = _patched_catalog(image, "many.iso", 64 + 2, struct.pack("<H", 65535))
    catalog = read_boot_catalog(str(many))
    assert catalog is not None
    assert [(e.platform, e.load_rba) for e in catalog.entries] == [
        (e.platform, e.load_rba) for e in read_boot_catalog(str(image)).entries  # type: ignore[union-attr]
    ]
    assert catalog.problems == ["section 1 claims 65535 entries; the catalog holds 1"]
    _sector, theirs = xorriso_el_torito(many)
    assert len(theirs) == 32  # libisofs' bound, filled with empty entries


def test_garbage_entries_stop_at_the_bound_of_32_images() -> None:
    junk = _entry(0x88, 0, 0, 0, 4, 99)
    data = (
        _validation(0, b"X") + _entry(0x88, 0, 0, 0, 4, 10)
        + struct.pack("<BBH", 0x91, 0xEF, 65535).ljust(32, b"\0") + junk * 60
    ).ljust(4096, b"\0")  # fmt: skip
    catalog = parse_catalog(data)
    assert catalog is not None and len(catalog.entries) == 32
    assert catalog.problems == ["the catalog holds more than 32 boot images: the rest was not read"]


@needs_xorriso
def test_an_indicator_or_media_byte_outside_the_specification_is_named(tmp_path: Path) -> None:
    """xorriso shows indicator 0x42 as bootable "y" and emulation 0x07 as a hex word; the
    panel and `boot` name both as outside the specification."""
    image = make_bootable(tmp_path / "boot.iso")
    bad = _patched_catalog(image, "bad.iso", 32, b"\x42\x07")
    catalog = read_boot_catalog(str(bad))
    assert catalog is not None
    default = catalog.entries[0]
    assert (default.indicator, default.media_byte, default.bootable) == (0x42, 0x07, False)
    assert catalog.problems == [
        "default entry: boot indicator 0x42 is neither 0x88 (bootable) nor 0x00",
        "default entry: media type 7 is not an El Torito emulation (0-4)",
    ]
    _sector, theirs = xorriso_el_torito(bad)
    assert theirs[0][1:3] == (True, "0x07")
    reserved = _patched_catalog(image, "reserved.iso", 64 + 32 + 1, b"\x10")  # section entry
    catalog = read_boot_catalog(str(reserved))
    assert catalog is not None
    assert catalog.problems == ["section 1 entry 1: reserved bits of the media byte are set (0x10)"]
