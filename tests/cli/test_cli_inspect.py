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
