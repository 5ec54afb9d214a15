"""A read of a disc to an image (`discdeck read`, the app's R) is a full read of the medium:
the finish step records it in the catalog's health history as a scan is recorded — the
unreadable blocks, the verdict, the read speed along the medium. A read that read nothing
(refused, cancelled first, or an earlier run had it all) records nothing.

The real xorriso on `stdio:` images; unreadable blocks come from the LD_PRELOAD shim of
tests/engine/test_surface.py (device-mapper exists only in the lab)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.archive.catalog import Catalog, catalog_path
from app.jobs.finish import Hooks, run_plan
from app.jobs.plans import Target, read_plan, surface_plan
from tests.cli.test_cli import discdeck
from tests.conftest import make_image, needs_xorriso
from tests.engine.test_surface import fault_shim  # noqa: F401  (fixture)
from tests.ui.test_ui_catalog import slowed

pytestmark = needs_xorriso


def checks() -> list[dict]:
    """Every check of the one disc the catalog holds ([] when it holds none)."""
    if not catalog_path().exists():
        return []
    with Catalog() as catalog:
        media = catalog.media()
        return [c for m in media for c in catalog.checks(m["id"])]


def health() -> list[tuple[str, int, int, bool]]:
    rows = json.loads(discdeck("catalog", "health", "--json").stdout)
    return [(h["volume_id"], h["checks"], h["unreadable"], h["copy_now"]) for h in rows]


def test_a_damaged_read_flags_the_disc_and_a_clean_read_again_clears_it(
    tmp_path: Path, fault_shim: Path  # noqa: F811
) -> None:
    disc = make_image(tmp_path / "s.iso", [("A", {"a.bin": 3_000_000}), ("B", {"b.bin": 1_000_000})])
    blocks = disc.stat().st_size // 2048
    image = tmp_path / "rescued.iso"
    damaged = {
        "LD_PRELOAD": str(fault_shim), "FAULT_PATH": str(disc),
        "FAULT_BAD_START": str(1000 * 2048), "FAULT_BAD_END": str(1100 * 2048),
    }  # fmt: skip
    read = ("read", "--dev", f"stdio:{disc}", str(image), "--json")
    first = json.loads(discdeck(*read, env=damaged).stdout.splitlines()[-1])
    assert (first["result"], first["missing"]) == ("failed", 100), first
    assert first["catalog"] == "the check is in the disc's health history"
    assert health() == [("B", 1, 100, True)]
    (check,) = checks()
    assert (check["kind"], check["result"], check["unreadable"]) == ("read", "failed", 100)
    assert check["drive"] == f"stdio:{disc}" and "100 of" in check["message"]
    assert check["speeds"] and check["speed_unit"] == "xD" and check["total_blocks"] == blocks
    # Again, still damaged: it retries only the 100 missing blocks. Still a check of them,
    # but their counts are no places on the medium: no curve.
    again = discdeck(*read[:-1], env=damaged)
    assert again.returncode == 1 and "catalog: the check is in the disc's health history" in again.stdout
    assert health() == [("B", 2, 100, True)]
    assert checks()[-1]["speeds"] == [] and checks()[-1]["unreadable"] == 100
    # The disc cleaned: the last read gets the rest, and the disc is no longer flagged.
    clean = json.loads(discdeck(*read).stdout.splitlines()[-1])
    assert (clean["result"], clean["recovered"], clean["missing"]) == ("ok", 100, 0), clean
    assert health() == [("B", 3, 0, False)]
    assert image.read_bytes() == disc.read_bytes()


def test_a_whole_read_draws_the_speed_curve_along_the_medium(tmp_path: Path) -> None:
    disc = make_image(tmp_path / "d.iso", [("CURVE", {"c.bin": 12 << 20})])
    address = f"stdio:{disc}"
    done = run_plan(slowed(read_plan(Target(address), str(tmp_path / "copy.iso")), "8d"))
    assert done.ok and done.report is None, "a read re-reads nothing: the catalog needs no re-read"
    assert done.catalog_note == "the check is in the disc's health history"
    (check,) = checks()
    assert (check["kind"], check["result"], check["unreadable"]) == ("read", "ok", 0)
    positions = [at for at, _ in check["speeds"]]
    assert len(positions) >= 3 and positions == sorted(positions), check["speeds"]
    assert positions[-1] <= check["total_blocks"] == disc.stat().st_size // 2048
    speeds = sorted(s for _, s in check["speeds"])
    assert 5 < speeds[len(speeds) // 2] < 11, "xorriso's soft limit of 8x DVD"


def test_a_read_cancelled_midway_is_a_partial_check(tmp_path: Path) -> None:
    disc = make_image(tmp_path / "d.iso", [("HALF", {"c.bin": 12 << 20})])
    plan = slowed(read_plan(Target(f"stdio:{disc}"), str(tmp_path / "copy.iso")), "2d")
    running: list = []

    def progress(event) -> None:
        if event.sectors and running:
            running[0].cancel()

    done = run_plan(plan, Hooks(started=running.append, progress=progress))
    assert done.results[0].outcome == "cancelled"
    (check,) = checks()
    assert (check["kind"], check["result"], check["unreadable"]) == ("read", "cancelled", 0)
    assert check["speeds"] and check["speeds"][-1][0] < disc.stat().st_size // 2048


@pytest.mark.parametrize("how", ["cancelled first", "refused", "all read before"])
def test_a_read_that_read_nothing_records_nothing(tmp_path: Path, how: str) -> None:
    disc = make_image(tmp_path / "d.iso", [("NOTHING", {"n.bin": 100_000})])
    image = tmp_path / "copy.iso"
    plan = read_plan(Target(f"stdio:{disc}"), str(image))
    if how == "cancelled first":
        done = run_plan(plan, Hooks(cancelled=lambda: True))
        assert done.results[0].outcome == "cancelled"
    elif how == "refused":
        image.write_bytes(b"someone's file")
        done = run_plan(plan)
        assert done.error and "is not a read of discdeck's" in done.error
    else:
        assert run_plan(plan).ok and len(checks()) == 1
        done = run_plan(read_plan(Target(f"stdio:{disc}"), str(image)))
        assert done.ok and "an earlier run read them" in done.results[0].message
    assert done.catalog_note is None
    assert len(checks()) == (1 if how == "all read before" else 0)


def test_a_scan_cancelled_before_its_first_block_records_nothing(tmp_path: Path) -> None:
    """The same rule for a surface scan: a check that looked at nothing is no check (the
    disc would look checked today)."""
    disc = make_image(tmp_path / "d.iso", [("UNSCANNED", {"n.bin": 100_000})])
    done = run_plan(surface_plan(Target(f"stdio:{disc}")), Hooks(cancelled=lambda: True))
    assert done.results[0].outcome == "cancelled" and done.report is not None
    assert done.catalog_note is None and checks() == []
    assert run_plan(surface_plan(Target(f"stdio:{disc}"))).catalog_note
    assert [c["kind"] for c in checks()] == ["surface"]


def test_a_read_whose_drive_went_away_records_nothing(tmp_path: Path) -> None:
    """The disc is not to blame for a drive pulled out mid-read (here: the image deleted)."""
    disc = make_image(tmp_path / "d.iso", [("PULLED", {"c.bin": 12 << 20})])
    plan = slowed(read_plan(Target(f"stdio:{disc}"), str(tmp_path / "copy.iso")), "2d")

    def progress(event) -> None:
        if event.sectors and disc.exists():
            disc.unlink()

    done = run_plan(plan, Hooks(progress=progress))
    assert done.gone and done.results[0].outcome == "failed"
    assert done.catalog_note is None and checks() == []
