"""`discdeck ls`, `boot` and `remaster`: the headless twins of the inspection screens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import discdeck, one_line_failure
from tests.conftest import make_image, xorriso_run
from tests.services.test_eltorito import make_bootable


def test_ls_each_session_and_json(tmp_path: Path) -> None:
    image = make_image(tmp_path / "three.iso", ["VOL_S1", "VOL_S2", "VOL_S3"], seed=3)
    first = json.loads(discdeck("ls", "--image", str(image), "--session", "1", "--json").stdout)
    assert [row["name"] for row in first] == ["d1"]
    newest = json.loads(discdeck("ls", "--dev", f"stdio:{image}", "--json").stdout)
    assert [row["name"] for row in newest] == ["d1", "d2", "d3"]
    inside = json.loads(discdeck("ls", "--image", str(image), "--json", "/d2").stdout)
    assert [(r["name"], r["type"], r["size"]) for r in inside] == [("s2.bin", "file", 20_000)]
    assert inside[0]["start_sector"] > 0
    one_line_failure(discdeck("ls", "--image", str(image), "--session", "9"), "no ISO session 9")
    one_line_failure(discdeck("ls", "--image", str(image), "/d2/missing"), "/d2/missing")


def test_boot_json_and_remaster_keeps_it(tmp_path: Path) -> None:
    source = make_bootable(tmp_path / "install.iso")
    catalog = json.loads(discdeck("boot", "--image", str(source), "--json").stdout)
    platforms = [e["platform"] for e in catalog["entries"]]
    assert "BIOS" in platforms and "EFI" in platforms
    extra = tmp_path / "preseed.cfg"
    extra.write_text("d-i debian-installer/locale string en_US\n")
    out = tmp_path / "custom.iso"
    proc = discdeck("remaster", str(source), str(out), "--add", f"{extra}=/preseed.cfg")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    again = json.loads(discdeck("boot", "--image", str(out), "--json").stdout)
    shape = [(e["platform"], e["emulation"], e["sector_count"]) for e in again["entries"]]
    assert shape == [(e["platform"], e["emulation"], e["sector_count"]) for e in catalog["entries"]]
    listing = xorriso_run("-indev", f"stdio:{out}", "-find", "/preseed.cfg").stdout.decode()
    assert "/preseed.cfg" in listing


def test_boot_of_a_plain_image() -> None:
    proc = discdeck("boot", "--image", "/nonexistent.iso")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_ls_and_boot_say_damage_in_one_line_and_exit_non_zero(tmp_path: Path) -> None:
    from tests.services.test_iso_damage import PVD, SECTOR, patched, root_extent, written

    image = written(tmp_path)
    cut = patched(image, "cut.iso", {}, cut=root_extent(image.read_bytes()) * SECTOR)
    one_line_failure(discdeck("ls", "--image", str(cut)), "/: the root folder", "cut off")
    size0 = patched(image, "size0.iso", {PVD + 156 + 10: bytes(8)})
    proc = discdeck("ls", "--image", str(size0))
    assert proc.returncode == 1
    assert "docs/" in proc.stdout and "top.txt" in proc.stdout  # what could be read is listed
    one_line_failure(proc, "damaged: /: the folder's record says it holds 0 bytes")
    rows = json.loads(discdeck("ls", "--image", str(size0), "--json").stdout)
    assert {r["name"]: r["damage"] for r in rows} == {"docs": None, "top.txt": None}
    boot = make_bootable(tmp_path / "boot.iso")
    data = bytearray(boot.read_bytes())
    brvd = next(n * SECTOR for n in range(17, 32) if data[n * SECTOR] == 0)
    past = patched(boot, "past.iso", {brvd + 0x47: (10**6).to_bytes(4, "little")})
    one_line_failure(discdeck("boot", "--image", str(past)), "boot catalog at sector 1000000")
    catalog = int.from_bytes(data[brvd + 0x47 : brvd + 0x4B], "little") * SECTOR
    bad = patched(boot, "bad.iso", {catalog + 32: b"\x42"})
    proc = discdeck("boot", "--image", str(bad))
    assert "boot indicator 0x42 (invalid)" in proc.stdout
    one_line_failure(proc, "default entry: boot indicator 0x42")


def test_boot_shows_files_markers_and_partitions(tmp_path: Path) -> None:
    """An EFI image appended as a GPT partition (xorriso), and Debian's grub-rescue image
    when it can be fetched: the files, markers and partitions are printed and in --json."""
    import subprocess

    from tests.debian_boot import Unavailable, debian_boot_images

    src = tmp_path / "src"
    src.mkdir()
    (src / "readme.txt").write_text("x\n")
    efi = tmp_path / "efi.img"
    efi.write_bytes(bytes(1_474_560))
    gpt = tmp_path / "gpt.iso"
    subprocess.run(
        ["xorriso", "-as", "mkisofs", "-quiet", "-R", "-o", str(gpt),
         "-e", "--interval:appended_partition_2:all::", "-no-emul-boot",
         "-append_partition", "2", "0xef", str(efi), "-appended_part_as_gpt", str(src)],
        check=True, capture_output=True,
    )  # fmt: skip
    proc = discdeck("boot", "--image", str(gpt))
    assert proc.returncode == 0, proc.stderr
    assert 'GPT 2 "Appended2": EFI System, 2,880 × 512 B at' in proc.stdout
    assert "hidden (≤ 720 blocks)" in proc.stdout
    doc = json.loads(discdeck("boot", "--image", str(gpt), "--json").stdout)
    assert "GPT" in doc["system_area"]["summary"]
    assert [p["type_name"] for p in doc["system_area"]["partitions"] if p["table"] == "GPT"] == [
        "Basic data", "EFI System", "Basic data"
    ]
    try:
        grub = debian_boot_images()["grub-rescue"]
    except Unavailable:
        return  # tests/engine/test_boot_report.py says why it skips
    proc = discdeck("boot", "--image", str(grub))
    assert "/boot/grub/i386-pc/eltorito.img [boot-info-table, grub2-boot-info]" in proc.stdout
    assert "system area: MBR protective-msdos-label grub2-mbr" in proc.stdout
    assert "MBR 1: bootable, 0xcd ISO 9660" in proc.stdout
