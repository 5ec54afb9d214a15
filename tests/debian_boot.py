"""Real bootable images from Debian packages, for the boot picture tests.

`grub-rescue-pc` (GRUB 2 El Torito + grub2 MBR), `ipxe` (ISOLINUX isohybrid + EFI) and
`memtest86+` (floppy emulation + hidden EFI partition) ship .iso files that other people's
tools made. They are fetched once with `apt-get download` (no root needed, nothing is
installed) and unpacked with `dpkg -x` into a cache that outlives the test run; a test that
needs them is skipped, saying why, when they cannot be fetched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("grub-rescue-pc", "ipxe", "memtest86+")
IMAGES = {
    "grub-rescue": "usr/lib/grub-rescue/grub-rescue-cdrom.iso",
    "ipxe": "usr/lib/ipxe/ipxe.iso",
    "memtest86plus": "usr/lib/memtest86+/memtest86+x64.iso",
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "discdeck-tests" / "debian-boot"
"""Read at import, before any test points XDG_CACHE_HOME at its own temporary folder."""


class Unavailable(Exception):
    """The packages could not be fetched here (no apt-get, no network, no such package)."""


def _run(argv: list[str], cwd: Path) -> None:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{argv[0]}: {exc}") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"{' '.join(argv)} failed: {last}")


def debian_boot_images(cache: Path = CACHE) -> dict[str, Path]:
    """name -> path of each image, fetching and unpacking the packages on first use."""
    tree = cache / "tree"
    found = {name: tree / rel for name, rel in IMAGES.items()}
    if all(path.is_file() for path in found.values()):
        return found
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise Unavailable(f"{tool} is not installed (a Debian or Ubuntu machine is needed)")
    debs = cache / "debs"
    shutil.rmtree(cache, ignore_errors=True)
    debs.mkdir(parents=True)
    _run(["apt-get", "download", "-q", *PACKAGES], debs)
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg", "-x", str(deb), str(tree)], debs)
    missing = [str(path) for path in found.values() if not path.is_file()]
    if missing:
        raise Unavailable(f"the packages hold no {', '.join(missing)}")
    return found
