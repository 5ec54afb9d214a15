"""Saved projects: named stages in the data dir, besides the stage's own autosave."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import data_dir
from app.stage.model import Stage
from app.stage.store import load_stage, save_stage

_NAME = re.compile(r"^[\w][\w .,+-]{0,63}$")


def projects_dir() -> Path:
    return data_dir() / "projects"


def check_project_name(name: str) -> str | None:
    """None if `name` can be a project name, else why not."""
    if not _NAME.match(name):
        return "a project name has 1-64 letters, digits, spaces or . , + - _ (no /)"
    return None


def save_project(stage: Stage, name: str) -> Path:
    problem = check_project_name(name)
    if problem:
        raise ValueError(problem)
    path = projects_dir() / f"{name}.json"
    save_stage(stage, path)
    return path


def list_projects() -> list[str]:
    folder = projects_dir()
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def load_project(name: str) -> Stage:
    """The saved stage; vanished or changed sources come back marked (StageFileError if
    the file cannot be read)."""
    return load_stage(projects_dir() / f"{name}.json")
