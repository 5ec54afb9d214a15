"""Room for error correction: how dvdisaster's RS03 grows an image, worked out beforehand.

An RS03 augmented image is not grown by a chosen percentage: dvdisaster (0.79.5) fills the
smallest of its standard media (CD, DVD, DVD DL, BD, BD DL) that leaves at least 8 roots,
as 255 layers of `size // 255` sectors each — the data (and 2 header sectors) in the first
layers, one layer of CRCs, the rest Reed-Solomon roots, never more than 170 of them. So a
set asks for a *least* redundancy (`--ecc 20`: at least 20 %), and the planner keeps each
disc's data small enough that the image dvdisaster makes for the disc's medium has it.

When a disc holds so little that dvdisaster would choose a smaller standard medium (with
less redundancy than asked), the image is padded with zero sectors up to where it no longer
would: the padded image fills the disc's own size, and the layers below 84 are clipped, so
padding never costs redundancy. Figures measured against dvdisaster: tests/services/test_ecc.py.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = 255
MIN_ROOTS = 8
MAX_ROOTS = 170
HEADER = 2
"""Sectors dvdisaster puts after the data (its header), counted with it."""
STANDARD_SIZES: dict[str, int] = {
    "CD": 351 * 1024,
    "DVD": 2_295_104,
    "DVD DL": 4_171_712,
    "BD": 11_826_176,
    "BD DL": 23_652_352,
}
"""dvdisaster's own media sizes in sectors (dvdisaster.h); the image is 255 whole layers of one."""
PERCENT_RANGE = (3, 80)
"""What `--ecc` takes: 3 % is 8 roots (dvdisaster's least); above 80 % a DVD DL disc that
holds little could not be forced to its own size without losing some (see `padded_sectors`)."""


class EccError(ValueError):
    """One line naming what is wrong and what to do."""


@dataclass(frozen=True)
class Layout:
    """What dvdisaster makes of `data` sectors: its medium, the image's size, the roots."""

    medium: str
    data: int
    layer: int
    """Sectors per layer (the medium's size // 255)."""
    data_layers: int
    roots: int

    @property
    def sectors(self) -> int:
        """The augmented image's length: the whole 255 layers."""
        return LAYERS * self.layer

    @property
    def redundancy(self) -> float:
        """Roots per data layer (the CRC layer counts as data), in percent, as dvdisaster says."""
        return 100.0 * self.roots / (self.data_layers + 1)


def layout_for(data: int, medium: str | None = None) -> Layout:
    """The layout dvdisaster picks for `data` sectors (or on `medium`'s size, as it would
    once the image is padded so that no smaller size takes it)."""
    if medium is None:
        medium = next(
            (m for m, size in STANDARD_SIZES.items() if _roots(data, size // LAYERS) >= MIN_ROOTS),
            "BD DL",
        )
    layer = STANDARD_SIZES[medium] // LAYERS
    layers = max(-(-(data + HEADER) // layer), LAYERS - 1 - MAX_ROOTS)
    return Layout(medium, data, layer, layers, LAYERS - 1 - layers)


def _roots(data: int, layer: int) -> int:
    return LAYERS - 1 - -(-(data + HEADER) // layer)


def ecc_medium(blocks: int) -> str:
    """The largest standard size an image may fill on a disc of `blocks` sectors."""
    fitting = [m for m, size in STANDARD_SIZES.items() if LAYERS * (size // LAYERS) <= blocks]
    if not fitting:
        smallest = LAYERS * (STANDARD_SIZES["CD"] // LAYERS) * 2048 // 1_000_000
        raise EccError(
            f"error correction fills a whole standard medium (dvdisaster RS03): "
            f"choose a medium of at least {smallest} MB (a CD) for an --ecc set"
        )
    return fitting[-1]


def check_percent(percent: int) -> int:
    low, high = PERCENT_RANGE
    if not low <= percent <= high:
        raise EccError(f"--ecc {percent}: the redundancy is a percentage from {low} to {high}")
    return percent


def data_limit(medium: str, percent: int) -> int:
    """The most data sectors (file system included) an image on `medium`'s standard size
    may hold and still get at least `percent` % redundancy (and at least 8 roots)."""
    layer = STANDARD_SIZES[medium] // LAYERS
    # roots / (layers + 1) >= p  <=>  layers + 1 <= 255 / (1 + p)
    layers = min(int(LAYERS / (1 + percent / 100)) - 1, LAYERS - 1 - MIN_ROOTS)
    while layers > 0 and 100.0 * (LAYERS - 1 - layers) / (layers + 1) < percent:
        layers -= 1  # (int() of a float quotient: never trust its last unit)
    return layers * layer - HEADER


def padded_sectors(data: int, medium: str) -> int:
    """How long the image must be (zero sectors added) so that dvdisaster fills `medium`'s
    size and no smaller one: at least `data`, past where the next smaller size keeps 8 roots."""
    sizes = list(STANDARD_SIZES)
    index = sizes.index(medium)
    if index == 0:
        return data
    smaller = STANDARD_SIZES[sizes[index - 1]] // LAYERS
    least = (LAYERS - 1 - MIN_ROOTS) * smaller - HEADER + 1
    return max(data, least)


TRAILING_SLACK = 1024
"""Blocks a disc may give after its RS03 image (a track's padding, run-out blocks)."""


def augmented_length(sectors: int) -> int | None:
    """The RS03 image a read of `sectors` blocks holds, when the read is longer by no more
    than a track's padding (dvdisaster guesses the layer size from the length: a CD image
    read with its padding would be taken for a DVD's); None when it is not so."""
    for size in STANDARD_SIZES.values():
        total = LAYERS * (size // LAYERS)
        if total < sectors <= total + TRAILING_SLACK:
            return total
    return None
