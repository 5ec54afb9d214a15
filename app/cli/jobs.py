"""Headless twins of the burn and checkread screens, on the same engine, for scripts.

With --json every progress event is one JSON object per line and the last line is the
result; exit status 0 only on success.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterable, Iterator

from app.config import ensure_dir, state_dir
from app.engine import operations as ops
from app.engine.commands import BurnOptions, MapEntry
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.journal import append_medium_state
from app.engine.progress import Progress
from app.stage.model import Stage, display


def split_spec(spec: str) -> tuple[str, str | None]:
    """`PATH=ISO_PATH` -> (PATH, ISO_PATH); an '=' not followed by '/' belongs to the name."""
    cut = spec.rfind("=/")
    if cut <= 0:
        return spec, None
    return spec[:cut], spec[cut + 1 :]


def stage_from_specs(specs: Iterable[str], stage: Stage | None = None) -> Stage:
    """Add each PATH[=ISO_PATH] to a stage (ValueError/OSError with a clear message)."""
    stage = stage or Stage()
    for spec in specs:
        disk, iso = split_spec(spec)
        if not os.path.lexists(disk):
            raise ValueError(f"{display(disk)} does not exist")
        if iso is None:
            stage.add(disk, "/")
        else:
            parent, _, name = iso.rstrip("/").rpartition("/")
            stage.add(disk, parent or "/", name or None)
    for _progress in stage.scan("/"):
        pass
    return stage


def _event_json(progress: Progress) -> str:
    return json.dumps(
        {
            "phase": progress.phase,
            "percent": progress.percent,
            "sectors": progress.sectors,
            "total_sectors": progress.total_sectors,
            "fifo": progress.fifo,
            "buffer": progress.buffer,
            "speed": progress.speed,
            "speed_unit": progress.speed_unit,
            "eta_s": None if progress.eta_s is None else round(progress.eta_s, 1),
        }
    )


def _human(progress: Progress) -> str:
    parts = [progress.phase]
    if progress.percent is not None:
        parts.append(f"{progress.percent:5.1f}%")
    if progress.fifo is not None:
        parts.append(f"fifo {progress.fifo}%")
    if progress.buffer is not None:
        parts.append(f"buf {progress.buffer}%")
    if progress.speed is not None:
        parts.append(f"{progress.speed:.1f}{progress.speed_unit or 'x'}")
    if progress.eta_s is not None:
        parts.append(f"eta {progress.eta_s:.0f}s")
    return "  ".join(parts)


def _say(text: str) -> None:
    """Print, but a closed terminal (ssh drop) must not stop following the job."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


@contextlib.contextmanager
def _survive_hangup() -> Iterator[None]:
    """The job runs detached and goes on anyway; ignoring SIGHUP here as well keeps the
    journal, the verify step and the result coming when the terminal goes away."""
    try:
        before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, before)


def _run(operation: ops.Operation, as_json: bool) -> ops.OperationResult:
    try:
        for progress in operation.events():
            _say(_event_json(progress) if as_json else _human(progress))
    except KeyboardInterrupt:
        operation.cancel()
        for _progress in operation.events():
            pass
    assert operation.result is not None
    return operation.result


def _finish(results: list[ops.OperationResult], as_json: bool, address: str) -> int:
    final = results[-1]
    ok = all(r.outcome == "ok" for r in results)
    outcome = "ok" if ok else next(r.outcome for r in results if r.outcome != "ok")
    message = "; ".join(f"{r.kind}: {r.message}" for r in results)
    try:
        media = read_medium(address).toc.media
        state = f"{media.status}, {media.sessions_count} session(s)"
    except EngineError as exc:
        state = f"could not re-read: {exc}"
    for result in results:
        append_medium_state(result.journal, state)
    if as_json:
        _say(
            json.dumps(
                {
                    "result": outcome,
                    "message": message,
                    "mismatches": final.mismatches,
                    "unreadable": final.unreadable,
                    "medium": state,
                    "journal": final.journal,
                }
            )
        )
    else:
        _say(f"{outcome}: {message}")
        for path in final.mismatches:
            _say(f"MD5 mismatch: {display(path)}")
        for path in final.unreadable:
            _say(f"not readable: {display(path)}")
        _say(f"medium now: {state}")
    return 0 if ok else 1


def burn(address: str, specs: list[str], options: BurnOptions, *, as_json: bool) -> int:
    stage = stage_from_specs(specs)
    entries = [MapEntry(disk, iso) for disk, iso in stage.entries()]
    problems = ops.preflight_burn(address, entries, options)
    if problems:
        for problem in problems:
            print(f"discdeck: {problem}", file=sys.stderr)
        if as_json:
            print(json.dumps({"result": "failed", "message": "; ".join(problems)}))
        return 1
    journal = ensure_dir(state_dir() / "journal")
    with _survive_hangup():
        results = [_run(ops.start_burn(address, entries, options, journal_dir=journal), as_json)]
        if results[0].outcome == "ok" and options.verify and options.md5 and not options.dummy:
            results.append(_run(ops.start_check(address, journal_dir=journal), as_json))
        return _finish(results, as_json, address)


def check(address: str, *, as_json: bool) -> int:
    journal = ensure_dir(state_dir() / "journal")
    with _survive_hangup():
        operation = ops.start_check(address, journal_dir=journal)
        return _finish([_run(operation, as_json)], as_json, address)
