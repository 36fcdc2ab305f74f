"""`needtoknow run` with `platform = "console"` serves `[ops] listen` too (it used to ignore it): the newcomer's
way to see /healthz, /readyz and /metrics without a Slack workspace or a homeserver."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.local_http import free_port, get

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow




def test_run_on_the_console_serves_health_readiness_and_metrics(tmp_path: Path) -> None:
    port = free_port()
    demo = (ROOT / "bot" / "demo" / "config.toml").read_text(encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[ops]\nlisten = "127.0.0.1:{port}"\nmetrics_cache_seconds = 0\n\n' + demo, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "db", "upgrade"], cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(tmp_path / "var" / "demo.keys")],
                   cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        status = 0
        while status != 200:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "never ready"
            try:
                status, body = get(base + "/readyz")
            except (urllib.error.URLError, ConnectionError):
                status = 0
            time.sleep(0.2)
        assert json.loads(body)["checks"] == {"engine": True, "database": True, "platform": True, "scheduler": True}
        assert get(base + "/healthz") == (200, "ok\n")
        assert proc.stdin is not None
        proc.stdin.write("/as dan\nCall Maria Lopez at 713-555-0142 about the shelter bed\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 30
        while "needtoknow_pii_warnings_total 1.0" not in (text := get(base + "/metrics")[1]):
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        assert 'needtoknow_pii_findings_total{label="PHONE"} 1.0' in text
        for needle in ("Maria", "Lopez", "713", "dan", "general"):
            assert needle not in text, needle
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
