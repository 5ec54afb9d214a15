"""`discdeck catalog`: which disc holds X, what is in the catalog, which discs need care."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from app.cli.common import fail
from app.engine.errors import EngineError
from app.engine.inspect import read_medium

if TYPE_CHECKING:
    from app.archive.catalog import Catalog


def cmd_catalog(args: argparse.Namespace) -> int:
    # The catalog (sqlite3, the ISO reader) is ~50 ms of imports (measured 2026-11-30) that
    # every other command would pay at start if this module imported it at its top.
    import sqlite3  # (the ~50 ms above)

    from app.archive.catalog import Catalog

    try:
        with Catalog() as catalog:
            if args.action == "find":
                return _find(catalog, args.pattern, as_json=args.json)
            if args.action == "import":
                return _import(catalog, args.dev)
            if args.action == "health":
                return _health(catalog, args.months, as_json=args.json)
            return _export(catalog, args.format)
    except EngineError as exc:
        return fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        return fail(f"the catalog cannot be used: {exc}")


def _find(catalog: Catalog, pattern: str, *, as_json: bool) -> int:
    found = catalog.find(pattern)
    if as_json:
        print(json.dumps([asdict(f) for f in found], indent=2))
    for f in [] if as_json else found:
        disc = f"{f.volume_id}" + (f" ({f.set_name}, disc {f.disc})" if f.set_name else "")
        checked = f"checked {f.last_checked[:10]} {f.last_result}" if f.last_checked else "never checked"
        print(f"{f.path}  {f.size:,} bytes  on {disc}  {checked}")
    return 0 if found else 1


def _import(catalog: Catalog, address: str | None) -> int:
    from app.archive.record import catalog_medium  # (the ~50 ms above)

    if not address:
        return fail("import needs a drive: discdeck catalog import --dev ADDRESS", 2)
    listed = catalog_medium(catalog, address, read_medium(address))
    if listed is None:
        return fail(f"{address} holds no ISO 9660 session to catalogue")
    print(f"catalogued {listed[1]:,} files of {address}")
    return 0


def _health(catalog: Catalog, months: float, *, as_json: bool) -> int:
    from app.archive.health import health  # (the ~50 ms above)

    rows = health(catalog, months)
    if as_json:
        print(json.dumps([
            {**h.medium, "checks": h.checks, "unreadable": h.unreadable, "verdict": h.verdict,
             "copy_now": h.verdict.startswith("copy")}
            for h in rows
        ], indent=2))  # fmt: skip
        return 0
    for h in rows:
        print(f"{h.medium['volume_id']:<32} {h.checks:>3} check(s)  {h.verdict}")
    return 1 if any(h.verdict.startswith("copy") for h in rows) else 0


def _export(catalog: Catalog, form: str) -> int:
    from app.archive.export import write_export  # (the ~50 ms above)

    write_export(catalog, sys.stdout, form)
    return 0


def add_catalog_commands(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help="which disc holds a file; the discs' health")
    actions = catalog.add_subparsers(dest="action", required=True)
    find = actions.add_parser("find", help="files whose path holds PATTERN (or matches a glob)")
    find.add_argument("pattern")
    find.add_argument("--json", action="store_true")
    imp = actions.add_parser("import", help="read a disc's files into the catalog")
    imp.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS)
    check = actions.add_parser("health", help="discs not checked for a while, discs to copy now")
    check.add_argument("--months", type=float, default=12.0)
    check.add_argument("--json", action="store_true")
    export = actions.add_parser("export", help="the whole catalog, as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    catalog.set_defaults(func=cmd_catalog, json=False)
