#!/usr/bin/env bash
# One command to set up and pass the tests: lint (ruff), types (mypy, strict on handlers/,
# redaction/, storage/), then pytest. PostgreSQL tests run when NEEDTOKNOW_TEST_DATABASE_URL is set
# (e.g. postgresql://127.0.0.1:5432/test) and are skipped with a reason otherwise; Matrix tests start
# a throwaway Synapse on loopback. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest -q -ra "$@"
