"""`discdeck info`, `ls` and `format --udf` on UDF: images made by mkudffs and
genisoimage -udf, the result checked with udfinfo."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from app.config import recorders_dir
from tests.cli.test_cli import discdeck, one_line_failure
from tests.conftest import needs_xorriso, xorriso_run
from tests.services.test_udf import bridge, mkudffs, udfinfo

pytestmark = needs_xorriso


def test_info_and_ls_name_a_udf_only_image(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "HOLIDAY")
    info = discdeck("info", "--dev", f"stdio:{image}")
    assert info.returncode == 0, info.stderr
    assert "File sys  UDF 2.01, label HOLIDAY," in info.stdout
    assert "no ISO 9660" not in info.stdout + info.stderr
    doc = json.loads(discdeck("info", "--dev", f"stdio:{image}", "--json").stdout)
    assert doc["filesystem"].startswith("UDF 2.01, label HOLIDAY")
    proc = discdeck("ls", "--image", str(image))
    one_line_failure(proc, "UDF 2.01, label HOLIDAY", "mount -t udf")
    one_line_failure(discdeck("ls", "--udf", "--image", str(image)), "label HOLIDAY", "no ISO 9660")


def test_ls_udf_lists_a_bridge_disc(tmp_path: Path) -> None:
    image = bridge(tmp_path)
    rows = json.loads(discdeck("ls", "--udf", "--image", str(image), "--json").stdout)
    assert [(r["name"], r["type"]) for r in rows] == [("a.txt", "file"), ("sub", "dir")]
    inside = discdeck("ls", "--udf", "--dev", f"stdio:{image}", "/sub")
    assert inside.returncode == 0 and "b.bin" in inside.stdout and "10,240" in inside.stdout


def test_format_udf_on_an_image(tmp_path: Path) -> None:
    image = tmp_path / "floppy.img"
    proc = discdeck("format", "--udf", "--dev", f"stdio:{image}", "--label", "FLOPPY")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "ok: format: formatted for UDF: UDF 2.01, label FLOPPY" in proc.stdout
    assert f"mount -t udf -o loop,rw {image} /mnt" in proc.stdout
    assert udfinfo(image)["label"] == "FLOPPY"
    before = hashlib.sha256(image.read_bytes()).hexdigest()
    again = discdeck("format", "--udf", "--dev", f"stdio:{image}", "--label", "OTHER")
    one_line_failure(again, "everything on the medium would be lost", "--yes")
    assert hashlib.sha256(image.read_bytes()).hexdigest() == before
    yes = discdeck("format", "--udf", "--dev", f"stdio:{image}", "--label", "OTHER", "--yes")
    assert yes.returncode == 0 and udfinfo(image)["label"] == "OTHER"


def test_format_udf_refusals_leave_files_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n" * 50)
    before = notes.read_bytes()
    proc = discdeck("format", "--udf", "--dev", f"stdio:{notes}", "--yes")
    one_line_failure(proc, "is not a disc image", "give a new or empty file")
    assert notes.read_bytes() == before
    long_label = discdeck("format", "--udf", "--dev", f"stdio:{tmp_path / 'x.img'}",
                          "--label", "L" * 31)  # fmt: skip
    one_line_failure(long_label, "UDF holds 30", "shorter --label")
    assert not (tmp_path / "x.img").exists()
    one_line_failure(discdeck("format", "--udf"), "format needs a drive")


def test_info_names_the_udf_of_a_bridge_disc(tmp_path: Path) -> None:
    """genisoimage -udf: ISO 9660 sessions and a UDF volume; info says both, with the UDF
    revision and label udfinfo reads. An ISO 9660-only image (xorriso) names none."""
    image = bridge(tmp_path)
    info = discdeck("info", "--dev", f"stdio:{image}")
    assert info.returncode == 0, info.stderr
    facts = udfinfo(image)
    expected = f"ISO 9660 and UDF {facts['udfrev']}, label {facts['label']}, "
    assert f"File sys  {expected}" in info.stdout
    doc = json.loads(discdeck("info", "--dev", f"stdio:{image}", "--json").stdout)
    assert doc["filesystem"].startswith(expected) and doc["sessions"][0]["kind"] == "ISO"
    plain = tmp_path / "plain.iso"
    xorriso_run("-outdev", f"stdio:{plain}", "-map", str(tmp_path / "src"), "/", "-commit")
    assert "File sys" not in discdeck("info", "--dev", f"stdio:{plain}").stdout
    assert "filesystem" not in json.loads(
        discdeck("info", "--dev", f"stdio:{plain}", "--json").stdout
    )


def test_info_json_of_a_recorder_formatted_for_udf(tmp_path: Path) -> None:
    """A virtual recorder's medium formatted with format --udf: info --json names the UDF
    (label, revision) beside the recorder's nominal medium."""
    assert discdeck("recorder", "add", "floppy").returncode == 0
    image = recorders_dir() / "floppy.iso"
    proc = discdeck("format", "--udf", "--dev", f"stdio:{image}", "--label", "REC UDF")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(discdeck("info", "--dev", f"stdio:{image}", "--json").stdout)
    assert doc["recorder"]["name"] == "floppy"
    assert doc["filesystem"].startswith(f"UDF {udfinfo(image)['udfrev']}, label REC UDF, ")
