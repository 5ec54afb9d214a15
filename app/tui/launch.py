"""Start the full-screen app from the command line's arguments."""

from __future__ import annotations

import argparse
import sys

from app.engine.address import check_address, parse_address
from app.engine.errors import EngineError
from app.engine.runner import check_xorriso
from app.stage.model import NameTaken, Stage
from app.stage.specs import split_spec, stage_from_specs
from app.tui.app import DiscdeckApp


def _fail(message: str, code: int = 1) -> int:
    print(f"discdeck: {message}", file=sys.stderr)
    return code


def run_app(args: argparse.Namespace) -> int:
    """Start the full-screen app with the command line's --dev, --image and --add."""
    try:
        check_xorriso()
        if args.dev or args.image:
            check_address(parse_address(args.dev or f"stdio:{args.image}"))
    except EngineError as exc:
        return _fail(str(exc))
    app = DiscdeckApp(address=args.dev or (f"stdio:{args.image}" if args.image else None))
    app.browse_on_start = bool(args.image)
    if args.add:
        try:
            notes = _stage_additions(app.stage, args.add)
        except (ValueError, OSError) as exc:
            return _fail(f"cannot stage: {exc}")
        app.save_stage()
        for note in notes:
            print(f"discdeck: note: {note}", file=sys.stderr)
        app.stage_problem = "; ".join(filter(None, [app.stage_problem, *notes])) or None
    app.run()
    return 0


def _stage_additions(stage: Stage, specs: list[str]) -> list[str]:
    """Stage each --add; one already on the stage (say, from the autosave of the last run)
    is a note, not a reason to refuse to start. Other problems raise ValueError/OSError."""
    notes = []
    for spec in specs:
        try:
            stage_from_specs([spec], stage)
        except NameTaken as taken:
            notes.append(stage.taken_note(split_spec(spec)[0], taken))
    return notes
