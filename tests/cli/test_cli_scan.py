"""`discdeck scan`: the surface scan headless, recorded in the catalog's health history;
`catalog health --json` carries the last check's unreadable blocks and the copy flag.
Unreadable blocks from a real device are the lab's (tests/test_lab.py, device-mapper)."""

from __future__ import annotations

import json
from pathlib import Path

from app.archive.catalog import Catalog
from tests.cli.test_cli import discdeck, one_line_failure
from tests.conftest import make_image


def test_scan_of_a_whole_image_is_all_good_and_lands_in_the_health_history(tmp_path: Path) -> None:
    image = make_image(tmp_path / "disc.iso", ["SCANNED"], seed=4)
    proc = discdeck("scan", "--dev", f"stdio:{image}", "--json")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    *events, last = proc.stdout.splitlines()
    assert any(json.loads(e)["phase"] == "verifying" for e in events)
    final = json.loads(last)
    total = image.stat().st_size // 2048
    assert final["result"] == "ok"
    assert final["unreadable_ranges"] == final["md5_mismatch_ranges"] == []
    assert final["blocks"]["good"] == final["total_blocks"] == total
    assert final["catalog"] == "the check is in the disc's health history"
    human = discdeck("scan", "--dev", f"stdio:{image}", "--retry")
    assert human.returncode == 0 and f"ok: {total} blocks" in human.stdout
    health = json.loads(discdeck("catalog", "health", "--json").stdout)
    assert [(h["volume_id"], h["checks"], h["unreadable"], h["copy_now"]) for h in health] == [
        ("SCANNED", 2, 0, False)
    ]
    with Catalog() as catalog:  # a later check that found 8 unreadable blocks
        catalog.record_check(
            1, drive="/dev/sr0", kind="surface", result="ok", message="x", unreadable=8
        )
    proc = discdeck("catalog", "health", "--json")
    (row,) = json.loads(proc.stdout)
    assert (row["unreadable"], row["copy_now"]) == (8, True)
    assert row["verdict"].startswith("copy this disc now: 8 unreadable block(s) at the last check")


def test_scan_without_a_drive_or_of_a_missing_image_says_why(tmp_path: Path) -> None:
    one_line_failure(discdeck("scan"), "scan needs a drive")
    one_line_failure(discdeck("scan", "--dev", f"stdio:{tmp_path / 'gone.iso'}"), "does not exist")
