"""The boot picture: the pure parser on transcripts recorded from real bootable images
(tests/fixtures/boot/record.py: Debian's grub-rescue-pc, ipxe and memtest86+ images, and
GPT, APM and BIOS+EFI images xorriso makes), then the engine live on the Debian images,
checked against the El Torito reader, the MBR's own bytes and a remastered copy."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from app.engine.boot_report import parse_boot_report
from app.engine.inspect import read_boot_report
from app.iso.eltorito import read_boot_catalog
from app.iso.view import open_session
from app.jobs.start import start_remaster
from tests.conftest import needs_xorriso
from tests.debian_boot import Unavailable, debian_boot_images

BOOT = Path(__file__).resolve().parent.parent / "fixtures" / "boot"


def _text(name: str) -> str:
    return (BOOT / f"rec-boot-{name}.txt").read_text()


def images(name: str) -> list[tuple]:
    report = parse_boot_report(_text(name))
    return [
        (i.platform, i.bootable, i.emulation, i.load_size, i.lba, i.path, i.options, i.blocks)
        for i in report.images
    ]


def partitions(name: str) -> list[tuple]:
    area = parse_boot_report(_text(name)).system_area
    assert area is not None
    return [(p.table, p.number, p.start, p.size, p.type_name or p.type, p.name, p.bootable) for p in area.partitions]  # fmt: skip


EXPECTED_IMAGES = {
    "grub-rescue": [("BIOS", True, "none", 4, 1394, "/boot/grub/i386-pc/eltorito.img", ["boot-info-table", "grub2-boot-info"], None)],
    "ipxe": [
        ("BIOS", True, "none", 4, 466, "/isolinux.bin", ["boot-info-table", "isohybrid-suitable"], None),
        ("UEFI", True, "none", 1728, 34, "/efi.img", [], None),
    ],
    "memtest86plus": [
        ("BIOS", True, "fd1.4", 1, 35, "/boot/floppy.img", [], None),
        ("UEFI", True, "none", 8192, 826, None, [], 2048),  # a hidden image: no path
    ],
    "gpt": [("UEFI", True, "none", 2880, 755, None, [], 720)],
    "apm": [("UEFI", True, "none", 2880, 40, "/efi.img", [], None)],
    "bios-efi": [
        ("BIOS", True, "none", 4, 754, "/isolinux/isolinux.bin", ["boot-info-table"], None),
        ("UEFI", True, "none", 2880, 34, "/efi.img", [], None),
    ],
    "plain": [],
    "catalog-past-end": [],
}  # fmt: skip
EFI, BASIC = "EFI System", "Basic data"
EXPECTED_PARTITIONS = {
    "grub-rescue": [("MBR", 1, 1, 9923, "ISO 9660", None, True)],
    "ipxe": [("MBR", 1, 0, 4096, "hidden NTFS (isohybrid)", None, True)],
    "memtest86plus": [("MBR", 1, 0, 3304, "empty", None, True), ("MBR", 2, 3304, 8192, EFI, None, False)],
    "gpt": [
        ("MBR", 1, 1, 6563, "GPT protective", None, False),
        ("GPT", 1, 64, 2956, BASIC, "Gap0", False),
        ("GPT", 2, 3020, 2880, EFI, "Appended2", False),
        ("GPT", 3, 5900, 600, BASIC, "Gap1", False),
    ],
    "apm": [
        ("APM", 1, 16, 16, "ISO9660_data", "Gap0", False),
        ("APM", 2, 32, 731, "Apple_HFS", "HFSPLUS_Hybrid", False),
        ("APM", 3, 763, 150, "ISO9660_data", "Gap1", False),
    ],
}  # fmt: skip
EXPECTED_SUMMARY = {
    "grub-rescue": ["MBR", "protective-msdos-label", "grub2-mbr", "cyl-align-off"],
    "ipxe": ["MBR", "isohybrid", "cyl-align-on"],
    "memtest86plus": ["MBR", "grub2-mbr", "cyl-align-off"],
    "gpt": ["MBR", "protective-msdos-label", "cyl-align-off", "GPT"],
    "apm": ["not-recognized", "APM"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_IMAGES))
def test_recorded_boot_reports(name: str) -> None:
    report = parse_boot_report(_text(name))
    assert images(name) == EXPECTED_IMAGES[name]
    assert report.unparsed == []
    if name in EXPECTED_PARTITIONS:
        assert report.system_area is not None
        assert partitions(name) == EXPECTED_PARTITIONS[name]
        assert report.system_area.summary == EXPECTED_SUMMARY[name]
        assert report.system_area.problems == []
    else:
        assert report.system_area is None
    if name == "catalog-past-end":
        assert report.problems[0] == "Read start address 1000000s larger than number of readable blocks 908"
    else:
        assert report.problems == []


def test_the_details_of_a_gpt_and_an_apm() -> None:
    gpt = parse_boot_report(_text("gpt")).system_area
    assert gpt is not None
    assert gpt.gpt_lba_range == (64, 6500, 6563)
    assert gpt.gpt_disk_guid and len(gpt.gpt_disk_guid) == 36
    efi = next(p for p in gpt.partitions if p.table == "GPT" and p.number == 2)
    assert efi.type == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" and efi.flags == 0
    apm = parse_boot_report(_text("apm")).system_area
    assert apm is not None and apm.apm_block_size == 2048
    assert {p.block_size for p in apm.partitions} == {2048}
    ipxe = parse_boot_report(_text("ipxe"))
    assert ipxe.boot_record == "El Torito , MBR isohybrid cyl-align-on"
    assert (ipxe.catalog_lba, ipxe.catalog_blocks, ipxe.catalog_path) == (33, 1, "/boot.cat")


@pytest.mark.parametrize("name", sorted(EXPECTED_IMAGES))
def test_pasted_and_mangled_reports_keep_the_rest(name: str) -> None:
    """Indented as in a forum post: the same report. One line mangled: that line is kept
    in `unparsed` (or changes only its own field), the other images and partitions stay."""
    text = _text(name)
    whole = parse_boot_report(text)
    assert parse_boot_report("\n".join("    " + line for line in text.splitlines())) == whole
    lines = text.splitlines()
    for n, line in enumerate(lines):
        for mangled in (line + " ?!", line[: len(line) // 2], line.replace("0x", "0q")):
            got = parse_boot_report("\n".join([*lines[:n], mangled, *lines[n + 1 :]]))
            if "boot img" not in line:
                assert len(got.images) == len(whole.images), (n, mangled)


def test_a_report_of_other_lines_is_empty() -> None:
    assert parse_boot_report("Drive current: -dev '/dev/sr0'\nMedia status : is blank\n") == (
        parse_boot_report("")
    )


# --------------------------------------------------------------------------- live


@pytest.fixture(scope="session")
def debian_images() -> dict[str, Path]:
    try:
        return debian_boot_images()
    except Unavailable as exc:
        pytest.skip(f"real bootable images from Debian packages are not available: {exc}")


def _mbr_bytes(image: Path) -> list[tuple[int, int, int, int, int]]:
    """(number, status, type, start, blocks) of the non-empty MBR entries, read from the
    image's first sector: an independent reading of what xorriso reports."""
    head = image.read_bytes()[:512]
    found = []
    for n in range(4):
        status, kind, start, blocks = struct.unpack_from("<B3xB3xII", head, 446 + 16 * n)
        if blocks:
            found.append((n + 1, status, kind, start, blocks))
    return found


@needs_xorriso
@pytest.mark.parametrize("name", ["grub-rescue", "ipxe", "memtest86plus"])
def test_debian_images_as_the_engine_reads_them(name: str, debian_images: dict[str, Path]) -> None:
    image = debian_images[name]
    report = read_boot_report(f"stdio:{image}")
    catalog = read_boot_catalog(str(image))
    assert catalog is not None and catalog.problems == []
    ours = [(e.platform.replace("EFI", "UEFI"), e.emulation, e.sector_count, e.load_rba) for e in catalog.entries]  # fmt: skip
    theirs = [(i.platform, i.emulation, i.load_size, i.lba) for i in report.images]
    assert ours == theirs
    with open_session(str(image)) as view:
        for i in report.images:
            if i.path is not None:
                assert view.stat(i.path).start_sector == i.lba
    assert report.system_area is not None
    mbr = [(p.number, p.flags, int(p.type, 16), p.start, p.size) for p in report.system_area.partitions if p.table == "MBR"]  # fmt: skip
    assert mbr == _mbr_bytes(image)
    markers = {o for i in report.images for o in i.options} | set(report.system_area.summary)
    assert {"grub-rescue": {"grub2-boot-info", "grub2-mbr"}, "ipxe": {"isohybrid", "isohybrid-suitable"},
            "memtest86plus": {"grub2-mbr"}}[name] <= markers  # fmt: skip


@needs_xorriso
@pytest.mark.parametrize("name", ["grub-rescue", "ipxe", "memtest86plus"])
def test_a_remaster_keeps_the_whole_boot_picture(
    name: str, debian_images: dict[str, Path], tmp_path: Path
) -> None:
    source = debian_images[name]
    extra = tmp_path / "notes.txt"
    extra.write_text("added by a remaster\n")
    out = tmp_path / "remastered.iso"
    op = start_remaster(str(source), str(out), [(str(extra), "/notes.txt")], [])
    for _ in op.events():
        pass
    assert op.result is not None and op.result.outcome == "ok", op.result and op.result.message

    def picture(image: Path) -> tuple:
        report = read_boot_report(f"stdio:{image}")
        assert report.system_area is not None
        return (
            [(i.platform, i.bootable, i.emulation, i.load_size, i.path, i.options, i.blocks) for i in report.images],
            report.system_area.summary,
            [(p.table, p.number, p.type, p.bootable) for p in report.system_area.partitions],
        )  # fmt: skip

    assert picture(out) == picture(source)


@needs_xorriso
def test_each_session_has_its_own_boot_picture(tmp_path: Path) -> None:
    """`-load sbsector` before `-indev`: the first, plain session reports nothing."""
    from app.engine.inspect import read_medium
    from tests.conftest import make_image, xorriso_run

    image = make_image(tmp_path / "grow.iso", ["PLAIN"])
    boot = tmp_path / "b"
    boot.mkdir()
    (boot / "loader.bin").write_bytes(bytes(4096))
    xorriso_run(
        "-dev", f"stdio:{image}", "-map", str(boot), "/b",
        "-boot_image", "any", "bin_path=/b/loader.bin", "-boot_image", "any", "cat_path=/b/boot.cat",
        "-commit",
    )  # fmt: skip
    first, second = read_medium(f"stdio:{image}").toc.sessions
    assert read_boot_report(f"stdio:{image}", first.start).images == []
    (loader,) = read_boot_report(f"stdio:{image}", second.start).images
    assert (loader.platform, loader.path) == ("BIOS", "/b/loader.bin")
    assert read_boot_report(f"stdio:{image}").images == [loader]
