"""Engine errors: each carries a one-line message that names the problem and the fix."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the UI or CLI shows to a person as one line."""


class XorrisoMissing(EngineError):
    pass


class XorrisoTooOld(EngineError):
    pass


class XorrisoTimeout(EngineError):
    pass


class AddressError(EngineError):
    """A drive address that cannot work (missing path, directory, no permission...)."""


class DriveError(EngineError):
    """xorriso could not acquire or read the drive."""
