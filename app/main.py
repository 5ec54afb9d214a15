"""discdeck's entry point: the full-screen app by default, a headless command when one is
named. It sits above both, so the CLI never imports Textual and the TUI never the CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.cli.main import build_parser, run_command


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "func", None) is not None:
        return run_command(args)
    # Textual and the app are imported only when the app runs: `discdeck info` and the
    # other headless commands start without them (Textual alone is 0.3-0.5 s of imports,
    # python -X importtime, 2026-11-30).
    from app.tui.launch import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
