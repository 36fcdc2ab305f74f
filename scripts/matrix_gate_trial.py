"""Try the pre-store PII gate: a local Synapse with synapse-http-antispam and the bot, together.

    .venv/bin/python scripts/matrix_gate_trial.py [--dir var/gate-trial]

Needs the test extra (``pip install -e '.[test]'``: matrix-synapse and synapse-http-antispam). Starts a
loopback-only Synapse (SQLite, no federation) whose homeserver.yaml carries the module lines of
docs/matrix.md, registers the bot and a member account for you, creates a room ``core-team`` (policy
``block``) with the bot in it, writes a config for the bot (the demo directory, you as Nina) and runs
``needtoknow run``. Log in with any Matrix client (e.g. Element, custom homeserver) at the printed URL
and post "Call Maria Lopez at 713-555-0142 about the bed" in core-team: your client shows "Not posted",
and the bot's DM offers the redacted version. Ctrl-C stops both; the folder keeps everything for a
second run (delete it to start over).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.matrix.synapse import SynapseServer, _free_port  # noqa: E402


def _api(server: SynapseServer, method: str, path: str, token: str, body: dict[str, object]) -> dict[str, object]:
    req = urllib.request.Request(server.url + path, data=json.dumps(body).encode(), method=method)  # noqa: S310
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - loopback
        return dict(json.loads(resp.read() or b"{}"))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


def _write_config(path: Path, data: dict[str, object]) -> None:
    """A small TOML writer for the config's shapes (tables, arrays of tables, scalars, lists)."""
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            nested = {k: v for k, v in value.items() if isinstance(v, dict)}
            lines += [f"{k} = {_toml(v)}" for k, v in value.items() if not isinstance(v, dict)]
            for sub, table in nested.items():
                lines.append(f"[{key}.{sub}]")
                lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_toml(v)}" for k, v in item.items()]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="var/gate-trial")
    args = parser.parse_args()
    work = (ROOT / args.dir).resolve()
    work.mkdir(parents=True, exist_ok=True, mode=0o700)
    state_file = work / "trial.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    gate_port = state.get("gate_port") or _free_port()
    secret = state.get("secret") or secrets.token_urlsafe(32)

    server = SynapseServer(work / "synapse")
    if state.get("synapse_port"):
        server.port = state["synapse_port"]
        server.url = f"http://127.0.0.1:{server.port}"
        server.shared_secret = state["shared_secret"]
    server.modules = [{
        "module": "synapse_http_antispam.HTTPAntispam",
        "config": {"base_url": f"http://127.0.0.1:{gate_port}", "authorization": secret,
                   "enabled_callbacks": ["check_event_for_spam"],
                   "fail_open": {"check_event_for_spam": False}},
    }]
    if not server.config_path.exists():
        server.write_config()
    server.start()
    bot_proc: subprocess.Popen[bytes] | None = None
    try:
        if "bot" not in state:
            bot, you = server.register("needtoknow"), server.register("you")
            room = _api(server, "POST", "/_matrix/client/v3/createRoom", you.access_token,
                        {"name": "core-team", "preset": "private_chat", "invite": [bot.user_id],
                         "power_level_content_override": {"users": {bot.user_id: 50}}})["room_id"]
            state.update(bot=bot.__dict__, you=you.__dict__, room=room, gate_port=gate_port, secret=secret,
                         synapse_port=server.port, shared_secret=server.shared_secret)
            state_file.write_text(json.dumps(state))
            state_file.chmod(0o600)
        data = tomllib.loads(resources.files("bot").joinpath("demo/config.toml").read_text(encoding="utf-8"))
        data["bot"]["platform"] = "matrix"
        data["database"] = {"url": f"sqlite:///{work}/needtoknow.db"}
        data["security"] = {"key_file": str(work / "needtoknow.keys")}
        for member in data["members"]:
            if member["handle"] == "nina":
                member["matrix_id"] = state["you"]["user_id"]
        for channel in data["channels"]:
            if channel["name"] == "core-team":
                channel["matrix_id"], channel["pii_policy"] = state["room"], "block"
        data["matrix"] = {"homeserver": server.url, "user_id": state["bot"]["user_id"],
                          "device_id": state["bot"]["device_id"], "store_path": str(work / "bot-store"),
                          "gate": {"listen": f"127.0.0.1:{gate_port}",
                                   "homeserver_config": str(server.config_path)}}
        config = work / "config.toml"
        _write_config(config, data)
        env = {**os.environ, "MATRIX_ACCESS_TOKEN": state["bot"]["access_token"],
               "MATRIX_PICKLE_KEY": state.setdefault("pickle", secrets.token_urlsafe(24)),
               "NEEDTOKNOW_GATE_SECRET": secret}
        state_file.write_text(json.dumps(state))
        cli = [sys.executable, "-m", "bot.cli", "--config", str(config)]
        if not (work / "needtoknow.keys").exists():
            subprocess.run([*cli, "keygen", "--out", str(work / "needtoknow.keys")], check=True, cwd=ROOT, env=env)  # noqa: S603
        subprocess.run([*cli, "db", "upgrade"], check=True, cwd=ROOT, env=env)  # noqa: S603
        bot_proc = subprocess.Popen([*cli, "run"], cwd=ROOT, env=env)  # noqa: S603 - our own CLI
        time.sleep(8)
        print(f"""
Synapse with the gate module: {server.url}   (logs: {server.log_path})
Log in as {state['you']['user_id']} with password {state['you']['password']}
Room core-team ({state['room']}) has policy "block". Post there:
    Call Maria Lopez at 713-555-0142 about the bed
Your client shows "Not posted: ..." and the bot DMs you the redacted version (reply 1 to post it).
Check the setup: NEEDTOKNOW_GATE_SECRET=... .venv/bin/needtoknow --config {config} doctor
Ctrl-C stops the bot and Synapse.""")
        bot_proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if bot_proc is not None and bot_proc.poll() is None:
            bot_proc.terminate()
            bot_proc.wait(timeout=20)
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
