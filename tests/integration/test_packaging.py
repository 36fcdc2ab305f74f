"""The built wheel is a working `needtoknow` on its own (model data, migrations, demo config inside), and
the systemd unit in deploy/ passes `systemd-analyze verify`.

How the fresh environment gets its dependencies: installing spaCy, matrix-nio, slack-bolt ... from the
package index into a brand-new venv takes minutes and needs the network, so the test venv is created
without them and a `.pth` file appends this project's venv site-packages to its `sys.path` (dependencies
only). A `.pth` line that is a plain folder is added to `sys.path` without processing the `.pth` files
inside it, so the project's *editable* install (a finder hook in that folder) stays inactive: `bot`,
`redaction` and `storage` can only come from the installed wheel, which the test asserts, and every
command runs from a folder outside the source tree.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "needtoknow.service"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A venv with only the wheel installed; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(dist)],
        capture_output=True, text=True, timeout=300, cwd=tmp,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("needtoknow-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    venv_site = next((venv / "lib").glob("python3.*")) / "site-packages"
    (venv_site / "project-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        capture_output=True, text=True, timeout=300, cwd=tmp,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    yield venv / "bin"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEEDTOKNOW_", "PYTHON"))}
    env["PATH"] = os.defpath
    return env


def test_wheel_alone_gives_a_working_needtoknow(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import bot, redaction, storage; print(bot.__file__, redaction.__file__, "
         "storage.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=60, check=True,
    ).stdout
    assert str(ROOT) not in where and where.count(str(installed.parent)) == 3, where

    cli = str(installed / "needtoknow")
    redact = subprocess.run([cli, "redact", "Call Maria at 713-555-0142"], capture_output=True, text=True,
                            cwd=tmp_path, env=_env(), timeout=120)
    assert redact.returncode == 0, redact.stderr
    assert redact.stdout.strip() == "Call [PERSON] at [PHONE]"

    # The demo configuration ships inside the wheel; the migrations too (db upgrade creates every table).
    upgrade = subprocess.run([cli, "db", "upgrade"], capture_output=True, text=True, cwd=tmp_path, env=_env(),
                             timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    doctor = subprocess.run([cli, "doctor"], capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "[ok] database" in doctor.stdout and "[ok] redaction" in doctor.stdout
    assert "built-in demo" in doctor.stderr
    assert (tmp_path / "var" / "needtoknow-demo.db").is_file()  # in the folder it ran from, not the package


def test_systemd_unit_verifies(installed: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    text = UNIT.read_text()
    for setting in ("User=needtoknow", "ProtectSystem=strict", "ReadWritePaths=/var/lib/needtoknow",
                    "NoNewPrivileges=yes", "UMask=0077", "PrivateTmp=yes", "ProtectHome=yes",
                    "EnvironmentFile=/etc/needtoknow/needtoknow.env", "Restart=on-failure", "TimeoutStopSec="):
        assert setting in text, setting
    # verify checks that ExecStart's program exists: point it at the wheel's console script.
    unit = tmp_path / "needtoknow.service"
    unit.write_text(text.replace("/opt/needtoknow/bin/needtoknow", str(installed / "needtoknow")))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "needtoknow.service" not in result.stderr, result.stderr  # no warning about our unit


def test_unit_waits_longer_than_the_shutdown_drain() -> None:
    stop = next(int(line.split("=", 1)[1]) for line in UNIT.read_text().splitlines()
                if line.startswith("TimeoutStopSec="))
    from bot.config import parse_config

    grace = getattr(parse_config({}), "shutdown_grace_seconds", 20)
    assert stop >= grace + 15, (stop, grace)
