"""`discdeck write` and `discdeck verify` on the real xorriso and stdio: targets, with
bootable images Debian packages install; read back with xorriso's own reports and cmp."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.drives.virtual import create_recorder
from tests.cli.test_cli import discdeck, one_line_failure
from tests.conftest import make_image, needs_xorriso, xorriso_run

pytestmark = needs_xorriso


def _boot_report(address: str) -> str:
    """xorriso's own El Torito and system area report, minus the lines naming the drive."""
    out = xorriso_run(
        "-indev", address, "-report_el_torito", "plain", "-report_system_area", "plain"
    ).stdout.decode(errors="replace")
    keep = ("El Torito", "System area", "MBR", "GPT", "APM", "Partition", "ISO image size")
    return "\n".join(line for line in out.splitlines() if any(k in line for k in keep))


@pytest.mark.parametrize("package", ["grub-rescue-pc", "ipxe"])
def test_write_a_debian_image_keeps_its_boot_setup_and_verifies(
    debian_images: dict[str, Path], tmp_path: Path, package: str
) -> None:
    image = debian_images[package]
    target = tmp_path / "disc.iso"
    proc = discdeck("write", "--dev", f"stdio:{target}", str(image))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "verify: the medium matches the image" in proc.stdout
    assert "Boots:" in proc.stdout  # what the image is, said before it is written
    with open(image, "rb") as a, open(target, "rb") as b:
        assert a.read() == b.read(os.path.getsize(image))
    assert _boot_report(f"stdio:{target}") == _boot_report(f"stdio:{image}")
    assert "El Torito" in _boot_report(f"stdio:{target}")


def test_verify_names_the_first_differing_sector(tmp_path: Path) -> None:
    image = make_image(tmp_path / "src.iso", [("SRC", {"a.bin": 3 << 20})])
    target = tmp_path / "disc.iso"
    assert discdeck("write", "--dev", f"stdio:{target}", str(image)).returncode == 0
    with open(target, "r+b") as disc:
        for sector in (700, 703):
            disc.seek(sector * 2048 + 11)
            disc.write(b"\xff\x00\xff")
    proc = discdeck("verify", "--dev", f"stdio:{target}", str(image), "--json")
    assert proc.returncode == 1
    final = json.loads(proc.stdout.splitlines()[-1])
    assert final["result"] == "failed"
    assert "2 of" in final["message"] and "the first at sector 700" in final["message"]


def test_a_broken_download_is_never_written(tmp_path: Path) -> None:
    image = make_image(tmp_path / "debian.iso", [("DEBIAN", {"a.bin": b"payload"})])
    real = subprocess.run(["sha256sum", "debian.iso"], cwd=tmp_path, capture_output=True, text=True)
    (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  debian.iso\n" + "1" * 64 + "  other.iso\n")
    target = tmp_path / "disc.iso"
    proc = discdeck("write", "--dev", f"stdio:{target}", str(image))
    one_line_failure(proc, "does not match its SHA256 in SHA256SUMS", "nothing was written")
    assert not target.exists()
    (tmp_path / "SHA256SUMS").write_text(real.stdout)
    proc = discdeck("write", "--dev", f"stdio:{target}", str(image))
    assert proc.returncode == 0 and "matches its SHA256 in SHA256SUMS" in proc.stdout


def test_not_an_image_or_not_a_fit_is_refused_before_any_write(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    empty = tmp_path / "empty.iso"
    empty.touch()
    big = tmp_path / "big.iso"
    with open(big, "wb") as handle:
        handle.truncate(800 << 20)  # sparse: larger than a CD's 700 MB
    cd = create_recorder("cd", "CD 700 MB")
    before = Path(cd.image).read_bytes() if Path(cd.image).exists() else None
    for image, words in [
        (tmp_path, "is a folder"),
        (fifo, "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path / "gone.iso", "No such file"),
        (empty, "is empty"),
        (big, "larger than the medium"),
    ]:
        proc = discdeck("write", "--dev", cd.address, str(image))
        one_line_failure(proc, *words.split("|"))
    after = Path(cd.image).read_bytes() if Path(cd.image).exists() else None
    assert before == after


def test_an_image_that_is_the_target_is_refused(tmp_path: Path) -> None:
    image = make_image(tmp_path / "src.iso", [("SRC", {"a.bin": b"x"})])
    alias = tmp_path / "alias.iso"
    os.link(image, alias)
    one_line_failure(discdeck("write", "--dev", f"stdio:{alias}", str(image)), "is the target itself")


def test_a_closed_write_once_medium_is_refused(tmp_path: Path, debian_images) -> None:
    """A stdio: file is overwriteable; a closed one is refused like a closed DVD-R only in
    the lab. Here: the image written with --close reads closed, and writing again over a
    stdio: file says the old contents go."""
    image = debian_images["ipxe"]
    target = tmp_path / "disc.iso"
    assert discdeck("write", "--close", "--no-verify", "--dev", f"stdio:{target}", str(image)).returncode == 0
    info = json.loads(discdeck("info", "--dev", f"stdio:{target}", "--json").stdout)
    assert info["media"]["status"] in ("closed", "appendable")
    again = discdeck("write", "--dev", f"stdio:{target}", str(image))
    assert again.returncode == 0, again.stderr
    assert "are overwritten" in again.stdout


def test_cmp_of_the_written_range(tmp_path: Path) -> None:
    """The written medium holds exactly the image's bytes, as cmp sees them."""
    image = make_image(tmp_path / "src.iso", [("SRC", {"a.bin": 1 << 20})])
    target = tmp_path / "disc.iso"
    assert discdeck("write", "--dev", f"stdio:{target}", str(image)).returncode == 0
    size = str(os.path.getsize(image))
    assert subprocess.run(["cmp", "-n", size, str(image), str(target)], check=False).returncode == 0
    assert shutil.which("cmp")


def test_read_a_medium_to_an_image_and_again(tmp_path: Path, debian_images) -> None:
    """The image is exactly the medium's data; a second run reads nothing new and says so."""
    medium = tmp_path / "disc.iso"
    shutil.copy(debian_images["grub-rescue-pc"], medium)
    image = tmp_path / "copy.iso"
    first = discdeck("read", "--dev", f"stdio:{medium}", str(image), "--json")
    assert first.returncode == 0, first.stderr + first.stdout
    final = json.loads(first.stdout.splitlines()[-1])
    assert final["result"] == "ok" and final["missing"] == 0 and final["damaged"] == []
    assert image.read_bytes() == medium.read_bytes()
    assert (tmp_path / "copy.iso.sectors").exists() and (tmp_path / "copy.iso.sectors.json").exists()
    again = discdeck("read", "--dev", f"stdio:{medium}", str(image))
    assert again.returncode == 0 and "an earlier run read them" in again.stdout


def test_read_refusals_say_why_and_touch_nothing(tmp_path: Path) -> None:
    from app.jobs.read_checks import ReadLock

    one = make_image(tmp_path / "one.iso", [("ONE", {"a.bin": 1 << 16})])
    two = make_image(tmp_path / "two.iso", [("TWO", {"b.bin": 1 << 16})])
    image = tmp_path / "copy.iso"
    assert discdeck("read", "--dev", f"stdio:{one}", str(image)).returncode == 0
    before = image.read_bytes()
    one_line_failure(discdeck("read", "--dev", f"stdio:{two}", str(image)), "belongs to another disc")
    someone = tmp_path / "notes.iso"
    someone.write_bytes(b"someone's file")
    one_line_failure(
        discdeck("read", "--dev", f"stdio:{one}", str(someone)), "is not a read of discdeck's"
    )
    assert someone.read_bytes() == b"someone's file"
    lock = ReadLock(str(image))  # another read of the same image is running
    try:
        one_line_failure(discdeck("read", "--dev", f"stdio:{one}", str(image)), "being read into")
    finally:
        lock.release()
    assert image.read_bytes() == before


def test_burn_to_a_new_image_and_replace_only_with_force(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("notes\n")
    out = tmp_path / "out.iso"
    assert discdeck("burn", "--to-image", str(out), str(source)).returncode == 0
    one_line_failure(discdeck("burn", "--to-image", str(out), str(source)), "exists", "--force")
    other = tmp_path / "other.txt"
    other.write_text("other\n")
    assert discdeck("burn", "--to-image", str(out), "--force", str(other)).returncode == 0
    listing = discdeck("ls", "--image", str(out)).stdout
    assert "other.txt" in listing and "notes.txt" not in listing
    text = tmp_path / "letter.txt"
    text.write_text("dear")
    one_line_failure(
        discdeck("burn", "--to-image", str(text), "--force", str(other)), "not a disc image"
    )
    assert text.read_text() == "dear"
    assert not list(tmp_path.glob(".discdeck-plan-*")), "planning leaves nothing behind"


def test_copy_a_medium_to_another_drive_and_leave_no_temporary_image(
    tmp_path: Path, debian_images, private_home
) -> None:
    source = tmp_path / "src.iso"
    shutil.copy(debian_images["grub-rescue-pc"], source)
    dest = create_recorder("dvd-b")
    proc = discdeck("copy", "--from", f"stdio:{source}", "--dev", dest.address, "--json")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert json.loads(proc.stdout.splitlines()[-1])["result"] == "ok"
    assert Path(dest.image).read_bytes()[: source.stat().st_size] == source.read_bytes()
    assert _boot_report(dest.address) == _boot_report(f"stdio:{source}")
    copies = Path(os.environ["XDG_STATE_HOME"]) / "discdeck" / "copies"
    assert not copies.exists() or list(copies.iterdir()) == []
    small = create_recorder("cd-small", "CD 700 MB")
    big = tmp_path / "big.iso"
    shutil.copy(debian_images["ipxe"], big)
    with open(big, "r+b") as handle:  # sparse up to 800 MB: more than a CD holds
        handle.truncate(800 << 20)
    refused = discdeck("copy", "--from", f"stdio:{big}", "--dev", small.address)
    assert refused.returncode == 1 and "use a bigger medium" in refused.stdout, refused.stdout
    assert Path(small.image).stat().st_size == 0, "nothing was written"
    assert not copies.exists() or list(copies.iterdir()) == []


def test_copies_in_a_row_on_a_virtual_recorder_go_onto_the_shelf(tmp_path: Path) -> None:
    from app.drives.shelf import add_recorder, shelved_media

    source = tmp_path / "notes.txt"
    source.write_text("notes\n")
    recorder = add_recorder("cd", "CD 700 MB")
    proc = discdeck("burn", "--copies", "3", "--dev", recorder.address, str(source))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "3 of 3 copies made" in proc.stdout
    shelved = shelved_media()
    assert len(shelved) == 3 and Path(recorder.image).stat().st_size == 0
    for medium in shelved:
        listing = discdeck("ls", "--image", medium.recorder.image).stdout
        assert "notes.txt" in listing
