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
# Plugins are named, not auto-loaded: Faker's auto-loaded plugin makes pytest re-parse every faker module for
# assertion rewriting, which failed intermittently on CPython 3.11 ("AST constructor recursion depth mismatch").
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 .venv/bin/python -m pytest -p pytest_asyncio.plugin -p anyio.pytest_plugin -q -ra "$@"
