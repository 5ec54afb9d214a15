"""discdeck's MMC lab: qemu guest + tgtd's emulated DVD+R. See lab/README.md."""

from lab.lab import BootResult, Lab, LabUnavailable, default_cache

__all__ = ["BootResult", "Lab", "LabUnavailable", "default_cache"]
