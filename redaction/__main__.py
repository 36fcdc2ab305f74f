"""``python -m redaction "text"`` and ``python -m redaction --jsonl`` (same as ``needtoknow redact``)."""

from __future__ import annotations

import sys

from redaction.cli import main

if __name__ == "__main__":
    # Undecodable bytes on stdin and unencodable characters on stdout must not crash a batch job.
    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    raise SystemExit(main(sys.argv[1:], stdin=sys.stdin, stdout=sys.stdout))
