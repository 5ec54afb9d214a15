#!/usr/bin/env bash
# Re-record the SVG snapshots and copy them to screenshots/ (look at them before committing).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q tests/ui/test_snapshots.py tests/ui/test_snapshots_sets.py --snapshot-update "$@" || true
.venv/bin/python -m pytest -q tests/ui/test_snapshots.py tests/ui/test_snapshots_sets.py
mkdir -p screenshots
for svg in tests/ui/__snapshots__/test_snapshots/*.svg tests/ui/__snapshots__/test_snapshots_sets/*.svg; do
    name=$(basename "$svg" .svg)
    name=${name#test_}
    name=${name//\[/_}
    name=${name//\]/}
    cp "$svg" "screenshots/${name}.svg"
done
ls screenshots
