"""Start the full-screen app from the command line's arguments."""

from __future__ import annotations

import argparse
import sys

from app.engine.address import check_address, parse_address
from app.engine.errors import EngineError
from app.engine.runner import check_xorriso
from app.stage.specs import stage_from_specs
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
            stage_from_specs(args.add, app.stage)
        except (ValueError, OSError) as exc:
            return _fail(f"cannot stage: {exc}")
        app.save_stage()
    app.run()
    return 0
