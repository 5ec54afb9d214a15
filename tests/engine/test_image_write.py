"""An image written with `-as cdrecord` gets a 32 MiB fifo (fs=32m, not cdrecord's 4m) on
every kind of target, next to the options it had; the write itself checked with `cmp`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.engine.commands import MapEntry
from app.engine.image_write import FIFO_SIZE, PADDING
from app.engine.models import Media
from app.engine.options import BurnOptions
from app.jobs.finish import Hooks, run_plan
from app.jobs.plans import Target, write_image_plan
from app.jobs.plans_remote import streamed_burn, streamed_write
from tests.conftest import make_image, needs_xorriso


def _cdrecord_args(argv: tuple[str, ...] | list[str]) -> list[str]:
    return list(argv[list(argv).index("cdrecord") + 1 : -1])


def test_a_real_drive_keeps_its_options_and_gets_the_fifo(tmp_path: Path) -> None:
    image = make_image(tmp_path / "in.iso")
    options = BurnOptions(speed="4d", dummy=True, close=False, write_type="tao")
    plan = write_image_plan(Target("/dev/sr0", "sr0"), str(image), options)
    assert _cdrecord_args(plan.argv) == [
        "-v", "dev=/dev/sr0", FIFO_SIZE, "speed=4d", "-dummy", "-multi", "-tao", PADDING, str(image)
    ]  # fmt: skip
    closed = write_image_plan(Target("/dev/sr0"), str(image), BurnOptions(close=True), pad=False)
    assert _cdrecord_args(closed.argv) == ["-v", "dev=/dev/sr0", FIFO_SIZE, str(image)]


def test_a_streamed_remote_burn_or_write_has_the_fifo_once() -> None:
    blank = Media(status="blank", profile="stdio file, overwriteable")
    address = "ssh://host/stdio:/tmp/x.iso"
    burn = streamed_burn(address, [MapEntry("/etc/hostname", "/h")], BurnOptions(), blank)
    write = streamed_write(address, "/tmp/in.iso", BurnOptions(), blank)
    for writer, _params in (burn or ([], {}), write or ([], {})):
        assert writer.count(FIFO_SIZE) == 1 and writer.index(FIFO_SIZE) < writer.index(PADDING)


@needs_xorriso
def test_an_image_written_with_the_fifo_is_byte_for_byte_on_the_target(tmp_path: Path) -> None:
    image = make_image(tmp_path / "in.iso", [("DATA", {"a.bin": 3 << 20})])
    target = tmp_path / "out.iso"
    plan = write_image_plan(Target(f"stdio:{target}"), str(image), BurnOptions(verify=False))
    assert FIFO_SIZE in plan.argv
    done = run_plan(plan, Hooks())
    assert done.ok, done.error or done.results
    size = image.stat().st_size
    assert subprocess.run(["cmp", "-n", str(size), str(image), str(target)]).returncode == 0
