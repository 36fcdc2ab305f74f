"""`needtoknow run` with Matrix settings starts the real bot against the test Synapse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.matrix.helpers import Member, unique
from tests.integration.matrix.synapse import SynapseServer

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def member(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[Member]:
    m = Member(synapse, synapse.register(unique("alice")), tmp_path / "alice")
    await m.start()
    yield m
    await m.stop()


async def test_needtoknow_run_answers_help_in_a_matrix_room(
    synapse: SynapseServer, member: Member, tmp_path: Path
) -> None:
    bot = synapse.register(unique("ntkbot"))
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[bot]\nplatform = "matrix"\n'
        f'[database]\nurl = "sqlite:///{tmp_path}/ntk.db"\n'
        f'[security]\nkey_file = "{keyfile}"\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{bot.user_id}"\nstore_path = "{tmp_path}/store"\n'
        "encryption = true\nsync_timeout_ms = 1000\n"
        '[[agencies]]\nkey = "hsi"\nname = "HSI"\nkind = "law_enforcement"\n'
        '[[members]]\nhandle = "alice"\nname = "Alice B"\nagency = "hsi"\n'
        f'discipline = "law_enforcement"\nmatrix_id = "{member.user.user_id}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIX_")}
    env |= {"MATRIX_PASSWORD": bot.password, "MATRIX_PICKLE_KEY": "cli-test-pickle-key-0123456789"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        room = await member.create_room([bot.user_id])
        await member.wait_for(lambda s: s.room_id == room and s.type == "m.room.member"
                              and s.content.get("membership") == "join" and s.sender == bot.user_id, timeout=60)
        await member.send(room, "!help")
        reply = await member.wait_for(lambda s: s.room_id != "" and s.sender == bot.user_id
                                      and "help [command]" in s.content.get("body", ""), timeout=30)
        assert reply.content.get("msgtype") == "m.notice"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode is not None


def _unreachable_homeserver_config(tmp_path: Path, matrix_extra: str = "") -> Path:
    """A Matrix configuration (with a fresh key file) whose homeserver is a closed loopback port."""
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[bot]\nplatform = "matrix"\n[database]\nurl = "sqlite:///{tmp_path}/ntk.db"\n'
        f'[security]\nkey_file = "{keyfile}"\n'
        '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@bot:localhost"\n' + matrix_extra
    )
    return cfg


def test_missing_matrix_secret_is_a_clear_error(tmp_path: Path) -> None:
    cfg = _unreachable_homeserver_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIX_")}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "MATRIX_" in out.stderr and "Traceback" not in out.stderr


def test_an_unreachable_homeserver_at_start_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    cfg = _unreachable_homeserver_config(tmp_path, f'encryption = false\nstore_path = "{tmp_path}/store"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIX_")}
    env["MATRIX_ACCESS_TOKEN"] = "syt_some_token_0123"
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "Unclosed client session" not in out.stderr, out.stderr[-2000:]
    assert "needtoknow: the platform could not start: matrix: the homeserver http://127.0.0.1:9 cannot be reached" \
        in out.stderr
    assert "syt_some_token" not in out.stderr
