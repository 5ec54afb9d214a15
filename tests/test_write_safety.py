"""No accidental destruction (issue 12): a file that is not a disc image is never written.

xorriso reads any file as a stdio: medium, so `--dev notes.txt` showed a text file as a
closed disc and blanking it turned the text into 64 KiB of zeros. Every write path asks
app.engine.address first; these tests check each one refuses in one line and leaves the
file byte-for-byte as it was, and that real disc images (of every kind xorriso or
mkudffs makes) are still accepted.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from app.drives.virtual import create_recorder
from app.engine.address import check_address, parse_address
from app.engine.commands import BurnOptions, MapEntry
from app.engine.errors import AddressError
from app.engine.inspect import read_medium
from app.engine.preflight import preflight_burn
from app.engine.remaster import RemasterError
from app.engine.volumes import disc_image_kind
from app.jobs.start import start_blank, start_burn, start_format, start_remaster
from tests.cli.test_cli import discdeck, one_line_failure
from tests.conftest import make_garbage_image, make_image, xorriso_run
from tests.ui.pilot import settle

REFUSAL = "is not a disc image"


def make_notes(path: Path, size: int = 48_894) -> Path:
    """The issue's file: plain text, 48,894 bytes."""
    words = ["disc", "notes", "burn", "session", "medium", "lorem", "ipsum", "\n"]
    rng = random.Random(12)
    text = " ".join(rng.choice(words) for _ in range(size))[:size]
    path.write_text(text)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused_for_write(path: Path) -> str:
    with pytest.raises(AddressError) as caught:
        check_address(parse_address(f"stdio:{path}"), for_write=True)
    return str(caught.value)


def test_every_write_path_refuses_a_text_file_and_leaves_it_untouched(tmp_path: Path) -> None:
    notes = make_notes(tmp_path / "notes.txt")
    before = digest(notes)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    address = f"stdio:{notes}"
    message = refused_for_write(notes)
    assert "\n" not in message and "48,894 bytes" in message
    assert f"give a new or empty file instead, e.g. stdio:{tmp_path}/disc.iso" in message
    for start in (
        lambda: start_burn(address, [MapEntry(str(src), "/s")], BurnOptions()),
        lambda: start_blank(address),
        lambda: start_blank(address, "all"),
        lambda: start_format(address),
    ):
        with pytest.raises(AddressError, match=REFUSAL):
            start()
    assert preflight_burn(address, [MapEntry(str(src), "/s")], BurnOptions()) == [message]
    source = make_image(tmp_path / "source.iso", ["SRC"])
    with pytest.raises(RemasterError, match=REFUSAL):
        start_remaster(str(source), str(notes), [], [], overwrite=True)
    one_line_failure(discdeck("burn", "--dev", str(notes), str(src)), REFUSAL)
    one_line_failure(discdeck("remaster", str(source), str(notes), "--force"), REFUSAL)
    assert digest(notes) == before


def test_info_on_a_text_file_says_it_will_not_be_written(tmp_path: Path) -> None:
    notes = make_notes(tmp_path / "notes.txt")
    problems = read_medium(f"stdio:{notes}").problems
    assert problems == [
        "this file holds no ISO 9660 file system: it is not a disc image file, so discdeck "
        "will not write, blank or format it (to burn, give a new or empty file)"
    ]
    garbage = make_garbage_image(tmp_path / "junk.bin")
    assert REFUSAL in refused_for_write(garbage)


async def test_blank_in_the_app_is_refused_and_the_file_untouched(tmp_path: Path) -> None:
    """The issue's steps in the app: open notes.txt, B, as needed, y."""
    from app.tui.app import DiscdeckApp
    from app.tui.screens.operation_screen import OperationScreen

    notes = make_notes(tmp_path / "notes.txt")
    before = digest(notes)
    app = DiscdeckApp(address=f"stdio:{notes}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, need_report=True)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("enter")  # "as needed", the first choice
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, OperationScreen)
        result = str(app.screen.query_one("#op-result").render())
        assert REFUSAL in result, result
    assert digest(notes) == before


def blanked_by_xorriso(path: Path) -> Path:
    make_image(path, ["GONE"])
    xorriso_run("-outdev", f"stdio:{path}", "-blank", "as_needed")
    return path


def interrupted_first_session(path: Path) -> Path:
    """As a first session killed mid-write leaves it (test_hostile kills one for real):
    xorriso writes the head copy of the descriptors (sectors 0-31) only at the end."""
    make_image(path, [("CUT", {"big.bin": 3_000_000})])
    with path.open("r+b") as handle:
        handle.write(bytes(32 * 2048))
    return path


def all_zeros(path: Path) -> Path:
    """What blanking a 48 KiB text file made of it: 64 KiB of NUL bytes."""
    path.write_bytes(bytes(65_536))
    return path


def sparse_zeros(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.truncate(700 * 2**20)
    return path


def recorder_with_garbage(_path: Path) -> Path:
    """A discdeck virtual recorder is the user's medium whatever its image holds."""
    image = Path(create_recorder("virtual-cd", "CD 700 MB").image)
    return make_garbage_image(image)


def udf_only(path: Path) -> Path:
    mkudffs = shutil.which("mkudffs") or "/usr/sbin/mkudffs"
    if not os.access(mkudffs, os.X_OK):
        pytest.skip("mkudffs not installed (udftools; scripts/install.sh --test installs it)")
    with path.open("wb") as handle:
        handle.truncate(8 * 2**20)
    subprocess.run(
        [mkudffs, "--media-type=hd", "--label=UDFONLY", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda p: make_image(p, ["ONE"]),
        lambda p: make_image(p, ["S1", "S2", "S3"]),
        blanked_by_xorriso,
        interrupted_first_session,
        all_zeros,
        sparse_zeros,
        recorder_with_garbage,
        udf_only,
        lambda p: p.write_bytes(b"") or p,
        lambda p: p,  # missing: a new medium
    ],
    ids=[
        "iso",
        "multisession",
        "blanked",
        "interrupted",
        "zeros",
        "sparse",
        "recorder",
        "udf",
        "empty",
        "new",
    ],
)
def test_disc_images_may_be_written(tmp_path: Path, make) -> None:
    path = make(tmp_path / "disc.iso")
    check_address(parse_address(f"stdio:{path}"), for_write=True)


def test_udf_image_is_recognised_by_its_anchor_alone(tmp_path: Path) -> None:
    """The recognition sequence wiped, the anchor at sector 256 still makes it UDF; a
    corrupt anchor checksum does not."""
    path = udf_only(tmp_path / "udf.img")
    data = bytearray(path.read_bytes())
    data[32768 : 32768 + 3 * 2048] = bytes(3 * 2048)
    anchor = next(256 * block for block in (512, 2048) if data[256 * block] == 2)
    path.write_bytes(bytes(data))
    assert disc_image_kind(str(path)) == "a UDF image"
    data[anchor + 4] ^= 0xFF
    path.write_bytes(bytes(data))
    assert disc_image_kind(str(path)) is None


def test_a_burn_onto_a_blanked_image_still_works(tmp_path: Path) -> None:
    image = blanked_by_xorriso(tmp_path / "again.iso")
    src = tmp_path / "src"
    src.mkdir()
    (src / "f.txt").write_text("second life")
    assert preflight_burn(f"stdio:{image}", [MapEntry(str(src), "/s")], BurnOptions()) == []
