"""Property: any small tree of random byte names and sizes, staged and burned, reads back
byte-exact with an independent reader (pycdlib's Rock Ridge names and file data)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.commands import BurnOptions, MapEntry
from app.jobs.start import start_burn
from app.stage.model import Stage
from tests.engine.test_operations import rr_tree

# Any byte but NUL and "/", not "." or "..": what a Linux file name can be.
name_bytes = st.binary(min_size=1, max_size=40).filter(
    lambda b: b"\0" not in b and b"/" not in b and b not in (b".", b"..")
)
files = st.dictionaries(name_bytes, st.binary(max_size=5000), min_size=1, max_size=6)
trees = st.dictionaries(name_bytes, files, min_size=1, max_size=3)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=trees)
def test_random_trees_round_trip(tree: dict[bytes, dict[bytes, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.fsencode(tmp)
        src = os.path.join(root, b"src")
        expected: dict[bytes, bytes] = {}
        for folder, content in tree.items():
            os.makedirs(os.path.join(src, folder))
            for name, data in content.items():
                with open(os.path.join(src, folder, name), "wb") as handle:
                    handle.write(data)
                expected[b"/src/" + folder + b"/" + name] = data
        stage = Stage()
        stage.add(os.fsdecode(src), "/")
        for _ in stage.scan("/"):
            pass
        assert stage.total_size() == sum(len(d) for d in expected.values())
        image = Path(tmp) / "disc.iso"
        operation = start_burn(
            f"stdio:{image}",
            [MapEntry(disk, iso) for disk, iso in stage.entries()],
            BurnOptions(volume_id="PROP"),
        )
        for _ in operation.events():
            pass
        assert operation.result is not None and operation.result.outcome == "ok", operation.result
        assert rr_tree(image) == expected
