"""Where discdeck keeps its files: the XDG base directories and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

APP = "discdeck"


def _base(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / default


def data_dir() -> Path:
    """Virtual recorders' image files and saved projects."""
    return _base("XDG_DATA_HOME", ".local/share") / APP


def config_dir() -> Path:
    return _base("XDG_CONFIG_HOME", ".config") / APP


def state_dir() -> Path:
    """Journals of operations and the stage autosave."""
    return _base("XDG_STATE_HOME", ".local/state") / APP


def recorders_dir() -> Path:
    """Virtual recorders: NAME.iso with its nominal medium in NAME.json beside it. Here, not
    in app.drives, because the engine must know them too (it writes over no other file)."""
    return data_dir() / "recorders"


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def journal_dir() -> Path:
    """Where every operation's journal goes (made on first use, 0700)."""
    return ensure_dir(state_dir() / "journal")


class ConfigError(Exception):
    """The config file cannot be used; the message names the file and the fix."""


def config_file() -> Path:
    """`config.toml`: defaults and remote hosts (`ssh = [...]`, `[[hosts]] name, address`)."""
    return config_dir() / "config.toml"


def load_config() -> dict:
    """The config file's contents ({} when there is none); ConfigError when it is broken."""
    # tomllib is imported here, not at the top: ~6 ms that only remote-host users pay.
    import tomllib

    path = config_file()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix or remove it") from exc


def runtime_dir() -> Path:
    """Sockets (ssh connection sharing): $XDG_RUNTIME_DIR/discdeck, else the state dir."""
    value = os.environ.get("XDG_RUNTIME_DIR", "")
    return (Path(value) / APP) if os.path.isabs(value) else state_dir() / "run"
