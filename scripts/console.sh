#!/usr/bin/env bash
# One command to try the bot: set up, then start the console on SQLite with the demo directory.
# Extra arguments go to `needtoknow console` (e.g. --as nina --in core-team).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/needtoknow console "$@"
