"""``needtoknow`` command line: console, run, db upgrade, keygen, keys rotate, audit verify, doctor,
redact, directory sync."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config, ConfigError, find_config_path, load_config, parse_config
from bot.platform import PlatformError
from storage.crypto import ENV_KEY_FILE, FieldCipher, KeyMissing, KeyRing, install_cipher
from storage.db import SchemaTooNew
from storage.keycheck import WrongKey

log = logging.getLogger("needtoknow")


def _version() -> str:
    try:
        return version("needtoknow")
    except PackageNotFoundError:
        return "0.1.0+source"


def demo_config() -> Config:
    import tomllib

    text = resources.files("bot").joinpath("demo/config.toml").read_text(encoding="utf-8")
    return parse_config(tomllib.loads(text), source="demo configuration", base_dir=os.getcwd())


def _load(args: argparse.Namespace, *, allow_demo: bool = True, announce: bool = True) -> Config:
    """The config every verb uses: ``--config`` (before or after the verb), ``$NEEDTOKNOW_CONFIG``,
    ``./config.toml``, else the built-in demo (said on stderr, so nobody mistakes it for their own)."""
    path = find_config_path(getattr(args, "config", None))
    if path is None:
        if allow_demo:
            if announce:
                print(
                    "no config file (--config, $NEEDTOKNOW_CONFIG or ./config.toml): using the built-in demo "
                    "configuration; its database and key are in ./var/",
                    file=sys.stderr,
                )
            return demo_config()
        raise ConfigError(
            [
                "no config file: pass --config, set NEEDTOKNOW_CONFIG, or create ./config.toml "
                "(copy config.example.toml)"
            ]
        )
    return load_config(path)


def _is_demo(config: Config) -> bool:
    return config.source == "demo configuration"


def _keyring(config: Config, *, create_demo_key: bool = False) -> KeyRing:
    key_file = str(config.resolve_path(config.key_file)) if config.key_file else None
    if create_demo_key and key_file and not os.environ.get(ENV_KEY_FILE) and not Path(key_file).exists():
        # Demo only: a fresh key for the throwaway demo database. Real deployments must create
        # their key deliberately (`needtoknow keygen`) and back it up.
        write_key_file(Path(key_file), KeyRing.generate())
        print(f"(demo) created a new key file at {key_file}", file=sys.stderr)
    return KeyRing.from_environment(key_file=key_file if not os.environ.get(ENV_KEY_FILE) else None)


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Write the key file 0600 (its folder, if created, 0700) through a fresh temporary file."""
    from storage.files import private_dir, private_umask

    private_dir(path.parent)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)  # never write keys into a file someone else created
    with private_umask():
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ring.dumps())
    os.replace(tmp, path)


class CliError(Exception):
    """One clear line for the operator; the command exits non-zero."""


def _existing_database(config: Config) -> Any:
    """Open the configured database for a command that reads it: never create one it was not asked to.

    A missing SQLite file or a database without needtoknow's tables is one line naming the command that
    creates it, not a traceback (and not a new empty file next to the config).
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import _resolve_db_url
    from storage.db import Database, normalise_url

    url = _resolve_db_url(config)
    parsed = make_url(normalise_url(url))
    hint = (
        f"run `needtoknow --config {config.source} db upgrade`"
        if not _is_demo(config)
        else ("run `needtoknow db upgrade` (or start the console once)")
    )
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise CliError(f"no database at {parsed.database}: {hint}")
    db = Database(url)
    try:
        tables = set(inspect(db.engine).get_table_names())
    except SQLAlchemyError as exc:
        db.dispose()
        raise CliError(
            f"cannot reach the database {parsed.render_as_string(hide_password=True)} ({type(exc).__name__})"
        ) from None
    if "alembic_version" not in tables:
        db.dispose()
        raise CliError(f"the database {parsed.render_as_string(hide_password=True)} is not set up: {hint}")
    db.check_schema()
    if db.missing_revisions():
        db.dispose()
        raise CliError(
            f"the database {parsed.render_as_string(hide_password=True)} has an older schema than this version of "
            f"needtoknow: {hint}"
        )
    return db


def _verify_keys(db: Any, ring: KeyRing) -> None:
    """Refuse (``WrongKey``) when ``ring`` is not the key set the database was written with."""
    from storage.crypto import KeyedHasher
    from storage.keycheck import verify_keys

    install_cipher(FieldCipher(ring))
    with db.session() as s:
        verify_keys(s, KeyedHasher(ring.hmac_key))


# -- commands -------------------------------------------------------------------------------
async def _console(args: argparse.Namespace, config: Config) -> int:
    from bot.app import build_app
    from bot.clock import ConsoleClock
    from bot.console.platform import ConsolePlatform
    from bot.console.repl import format_delivery, run_repl
    from bot.console.session import ConsoleSession

    platform = ConsolePlatform(echo=lambda d: print(format_delivery(d)))
    ring = _keyring(config, create_demo_key=_is_demo(config))
    app = build_app(config, platform, keyring=ring, clock=ConsoleClock())
    handles = [m.handle for m in config.members]
    platform.everyone = handles
    for ch in config.channels:
        platform.add_channel(ch.name, list(ch.members) or handles)
    speaker = args.as_ or (handles[0] if handles else "guest")
    channel = args.in_ or (config.channels[0].name if config.channels else "general")
    from bot.ops import OpsSettings, operations

    async with contextlib.AsyncExitStack() as stack:
        core: Any = app
        try:
            ops_enabled = OpsSettings.from_mapping(config.section("ops")).enabled
        except ValueError as exc:
            raise ConfigError([str(exc)], config.source) from None
        if ops_enabled:
            # `needtoknow run` with platform = "console" serves [ops] listen like the other platforms
            # (the console itself is always "connected"); the engine is warmed before the first prompt.
            core = await stack.enter_async_context(operations(config, app, platform))
        session = ConsoleSession(core, platform, speaker, platform.dm_channel(speaker))
        session.switch_channel(channel)
        app.start_scheduler()
        await run_repl(app, session)
    return 0


async def _run(args: argparse.Namespace, config: Config) -> int:
    if config.platform == "console":
        return await _console(args, config)
    # SIGTERM / SIGINT during start-up (migrations, the key check, the PII engine's warm-up: seconds)
    # used to kill the process with no line at all: noted here, and the start ends cleanly before
    # the platform takes anything (``serve`` installs its own handlers for the run itself).
    early: list[str] = []
    loop = asyncio.get_running_loop()
    installed = _note_signals(loop, early)
    try:
        return await _start_and_serve(config, early)
    finally:
        for sig in installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)


def _note_signals(loop: asyncio.AbstractEventLoop, received: list[str]) -> list[Any]:
    import signal

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, received.append, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread / platform without signals
            pass
    return installed


async def _start_and_serve(config: Config, early: list[str]) -> int:
    from bot.app import build_app

    ring = _keyring(config)
    platform: Any
    try:
        from bot.ops import OpsSettings

        OpsSettings.from_mapping(config.section("ops"))  # a bad [ops] table is a config error, before anything starts
        if config.platform == "slack":
            from bot.slack import create_slack_platform
            from bot.slack.settings import SlackSettings

            platform = create_slack_platform(
                SlackSettings.from_mapping(config.platform_table("slack"), os.environ)
            )
        elif config.platform == "matrix":
            from bot.matrix import create_matrix_platform
            from bot.matrix.settings import MatrixSettings

            platform = create_matrix_platform(
                MatrixSettings.from_mapping(config.platform_table("matrix"), os.environ)
            )
        else:  # pragma: no cover - parse_config rejects other values
            raise ConfigError([f"bot.platform: unsupported {config.platform}"])
    except ValueError as exc:  # settings errors name the key or variable, never its value
        raise ConfigError([str(exc)], config.source) from None
    app = build_app(config, platform, keyring=ring)
    from bot.ops import operations

    # /healthz, /readyz, /metrics where [ops] listen says; the PII engine is warm before the platform starts.
    async with operations(config, app, platform) as core:
        if early:
            log.warning("needtoknow stopped on %s during start-up: nothing had been taken from the platform yet",
                        early[0])
            await app.stop()
            return 0
        return await serve(app, platform.run, core, early=early)


async def serve(app: Any, run_platform: Any, core: Any = None, *, early: list[str] | None = None) -> int:
    """Run the platform until it ends or SIGTERM/SIGINT arrives. On a signal: stop taking new work
    (events get ``NOT_HANDLED``, so the platform redelivers them to the next process), let events
    being handled and outbox sends in progress finish (``[scheduler] shutdown_grace_seconds``), stop
    the scheduler, and exit with one log line. What is unsent stays in the outbox. ``core`` is what
    the platform is given to call into (``app`` itself unless wrapped, e.g. by ``bot.ops``)."""
    import signal

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(name: str) -> None:
        received.append(name)
        app.stop_accepting()
        stop.set()

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread / platform without signals
            pass
    if early:  # a signal that came while the handlers above were being installed
        on_signal(early[0])
    app.start_scheduler()
    runner = asyncio.create_task(run_platform(app if core is None else core))
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()  # the platform ended by itself (or failed): raise its error
            return 0
        log.info("needtoknow: %s received; finishing events and sends in progress", received[0])
        drained = await app.shutdown()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        log.warning(
            "needtoknow stopped on %s: %s",
            received[0],
            "everything in progress finished"
            if drained
            else "the grace period ran out; unsent messages stay in the outbox for the next start",
        )
        return 0
    finally:
        waiter.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)
        await app.stop()


def _db_upgrade(config: Config) -> int:
    from bot.app import _resolve_db_url
    from storage.db import Database

    db = Database(_resolve_db_url(config))
    db.upgrade()
    print("database is up to date")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    if args.rotate:
        path = Path(args.rotate)
        ring = KeyRing.loads(path.read_text(encoding="utf-8"), source=f"key file {path}")
        new = ring.with_new_primary()
        write_key_file(path, new)
        print(
            f"added new primary key {new.primary_id} to {path}; run `needtoknow keys rotate` to re-encrypt "
            "stored data, then old keys may be removed from the file"
        )
        return 0
    ring = KeyRing.generate()
    if args.out:
        path = Path(args.out)
        if path.exists():
            print(
                f"{path} exists; refusing to overwrite a key file (data encrypted with it would be lost)",
                file=sys.stderr,
            )
            return 2
        write_key_file(path, ring)
        print(f"wrote a new key file to {path} (mode 0600). Back it up: without it encrypted data is lost.")
    else:
        sys.stdout.write(ring.dumps())
    return 0


def _keys_rotate(config: Config) -> int:
    """Re-encrypt every encrypted column under the primary key."""
    from sqlalchemy import Text, select, type_coerce, update

    import storage.all_models  # noqa: F401
    from storage.crypto import EncryptedText
    from storage.models import Base

    ring = _keyring(config)
    cipher = FieldCipher(ring)
    install_cipher(cipher)
    db = _existing_database(config)
    changed = 0
    with db.session() as s:
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            for col in table.columns:
                if not isinstance(col.type, EncryptedText):
                    continue
                ctx = col.type.context
                rows = s.execute(select(*pk, type_coerce(col, Text)).where(col.is_not(None))).all()
                for row in rows:
                    raw = row[-1]
                    if cipher.key_id_of(raw) == cipher.primary_id:
                        continue
                    new = cipher.encrypt(cipher.decrypt(raw, ctx), ctx)
                    cond = [c == v for c, v in zip(pk, row[:-1], strict=True)]
                    s.execute(update(table).where(*cond).values({col.name: type_coerce(new, Text)}))
                    changed += 1
    print(f"re-encrypted {changed} values under key {cipher.primary_id}")
    return 0


def _audit(args: argparse.Namespace, config: Config) -> int:
    """``audit verify [--checkpoint CODE ...] [--checkpoint-file PATH]`` and ``audit checkpoint``."""
    from datetime import UTC, datetime

    from storage.audit import AuditLog, CheckpointClaim, CheckpointInvalid
    from storage.crypto import KeyedHasher

    db = _existing_database(config)  # first: with neither, "no database" is the line that helps
    ring = _keyring(config)
    audit = AuditLog(KeyedHasher(ring.hmac_key))
    _verify_keys(db, ring)  # with the wrong HMAC key every row would read as tampered
    if args.action == "checkpoint":
        from bot.audit_checkpoint import take_checkpoint

        install_cipher(FieldCipher(ring))  # the DMs to the coordinators are encrypted outbox rows
        cp = take_checkpoint(db, audit, config, datetime.now(UTC), reason="on demand", actor="cli")
        assert cp is not None
        where = (
            f" and appended to {config.resolve_path(config.audit_checkpoint_file)}"
            if config.audit_checkpoint_file
            else " ([audit] checkpoint_file is not set: no file line)"
        )
        dm = " queued to the coordinators by DM" if config.audit_checkpoint_dm else ""
        print(f"checkpoint at row {cp.rows}: {cp.code}{dm}{where}")
        return 0
    claims: list[CheckpointClaim] = []
    try:
        for code in args.checkpoint or []:
            claims.append(audit.parse_code(code))
        files = list(args.checkpoint_file or [])
        if not files and config.audit_checkpoint_file:
            default = config.resolve_path(config.audit_checkpoint_file)
            if default.exists():
                files.append(str(default))
        for path in files:
            if not Path(path).is_file():
                print(f"TAMPERED: checkpoint file {path} does not exist", file=sys.stdout)
                return 1
            claims.extend(audit.read_checkpoint_file(path))
    except CheckpointInvalid as exc:
        print(f"TAMPERED: {exc}")
        return 1
    with db.session() as s:
        result = audit.verify(s, claims)
    print(("OK: " if result.ok else "TAMPERED: ") + result.message)
    return 0 if result.ok else 1


def _deny_hash(config: Config) -> int:
    """Print the keyed hash of each alias read from stdin (one per line), for ``redaction.deny_hashes``.

    Aliases come from stdin, never from the command line, so they do not land in shell history or ``ps``. A
    leading ``@`` or ``$`` is dropped: the engine tries every candidate with and without one.
    """
    from redaction.normalise import normalise_alias
    from storage.crypto import KeyedHasher

    hasher = KeyedHasher(_keyring(config).hmac_key)
    count = 0
    for line in sys.stdin:
        alias = normalise_alias(line).lstrip("@$").strip()
        if alias:
            print(hasher(alias))
            count += 1
    if count == 0:
        print("no aliases on stdin (one per line)", file=sys.stderr)
        return 2
    return 0


def _directory_sync(config: Config) -> int:
    from datetime import UTC, datetime

    from bot.app import seed_directory
    from storage.audit import AuditLog
    from storage.crypto import KeyedHasher
    from storage.keycheck import verify_keys

    ring = _keyring(config)
    install_cipher(FieldCipher(ring))
    # An existing database at this version's schema: `db upgrade` creates or migrates it (never this verb,
    # which would leave a new empty database wherever a mistyped path or config pointed).
    db = _existing_database(config)
    with db.session() as s:
        db.startup_lock(s)
        verify_keys(s, KeyedHasher(ring.hmac_key), now=datetime.now(UTC))
        changed = seed_directory(s, config)
        audit = AuditLog(KeyedHasher(ring.hmac_key))
        for handle, left in sorted(changed.items()):
            audit.record(
                s,
                at=datetime.now(UTC),
                actor="system:directory-sync",
                action="directory.identity_changed",
                target=f"member:{handle}",
                detail={"source": "config", "teams_left": left},
            )
    for handle, left in sorted(changed.items()):
        print(
            f"{handle}: discipline or agency changed by the config; team places dropped: {', '.join(left) or 'none'}"
        )
    print(
        f"directory synced from {config.source}: {len(config.agencies)} agencies, {len(config.members)} members, "
        f"{len(config.channels)} channels"
    )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    ok = True

    def report(name: str, good: bool, detail: str, *, warn_only: bool = False) -> None:
        nonlocal ok
        ok = ok and (good or warn_only)
        print(f"[{'ok' if good else 'WARN' if warn_only else 'FAIL'}] {name}: {detail}")

    try:
        config = _load(args)
        from bot.app import build_router

        parse_config(
            config.raw,
            source=config.source,
            base_dir=config.base_dir,
            feature_sections=set(build_router().settings_parsers),
        )
        report("config", True, config.source)
    except ConfigError as exc:
        report("config", False, str(exc))
        return 1
    ring: KeyRing | None = None
    try:
        ring = _keyring(config, create_demo_key=_is_demo(config))
        report("keys", True, "encryption and HMAC keys loaded")
    except KeyMissing as exc:
        report("keys", False, str(exc))
    try:
        from sqlalchemy import text

        db = _existing_database(config)
        with db.session() as s:
            s.execute(text("SELECT 1"))
        # _existing_database refused an older or a newer schema: this one is exactly the code's
        report("database", True, f"{db.engine.url.render_as_string(hide_password=True)} (schema current)")
        if ring is not None:
            try:
                _verify_keys(db, ring)
                report("key check", True, "the keys are the ones the database was written with")
            except WrongKey as exc:
                report("key check", False, str(exc))
        db.dispose()
    except SchemaTooNew as exc:
        report("database", False, str(exc))
    except CliError as exc:
        report("database", False, str(exc))
    except Exception as exc:
        report("database", False, type(exc).__name__)
    for warning in _file_mode_warnings(config):
        print(f"[WARN] file mode: {warning}")
    try:
        from redaction import RedactionSettings, Redactor

        Redactor(RedactionSettings.from_mapping(config.redaction_table()))
        report("redaction", True, "spaCy model loaded")
    except ImportError:
        report("redaction", False, "redaction engine not installed")
    except Exception as exc:
        report("redaction", False, str(exc)[:300])
    if config.platform in ("slack", "matrix"):
        try:
            if config.platform == "slack":
                from bot.slack.settings import SlackSettings

                SlackSettings.from_mapping(config.platform_table("slack"), os.environ)
            else:
                from bot.matrix.settings import MatrixSettings

                matrix = MatrixSettings.from_mapping(config.platform_table("matrix"), os.environ)
            report(config.platform, True, "settings and secrets present")
            if config.platform == "slack":
                report("slack api", *_slack_reachable(SlackSettings.from_mapping(config.platform_table("slack"),
                                                                                 os.environ)))
            else:
                report("matrix homeserver", *_matrix_reachable(matrix))
            if config.platform == "matrix" and matrix.gate is not None:
                _doctor_gate(matrix, report)
        except (ImportError, ValueError) as exc:
            report(config.platform, False, str(exc)[:300])
    return 0 if ok else 1


def _file_mode_warnings(config: Config) -> list[str]:
    """Database (with -wal/-shm), key file and audit checkpoint file: 0600; their folders 0700."""
    from bot.app import _resolve_db_url
    from storage.files import mode_warnings, sqlite_files

    files: list[Path] = []
    url = _resolve_db_url(config)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        files += sqlite_files(Path(url[len("sqlite:///") :]))
    key_file = os.environ.get(ENV_KEY_FILE) or (
        str(config.resolve_path(config.key_file)) if config.key_file else None
    )
    if key_file:
        files.append(Path(key_file))
    if config.audit_checkpoint_file:
        files.append(config.resolve_path(config.audit_checkpoint_file))
    folders = list(dict.fromkeys(f.parent for f in files))
    return mode_warnings(files, folders)


def _http_json(url: str, *, token: str | None = None, data: bytes | None = None) -> Any:
    """GET (or POST ``data``) ``url`` and decode its JSON answer; an HTTP error's JSON body is returned too."""
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")  # noqa: S310
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - the configured platform URL
            return json.loads(resp.read())
    except urllib.error.HTTPError as err:
        try:
            return json.loads(err.read())
        except ValueError:
            return {"errcode": f"HTTP {err.code}", "error": f"HTTP {err.code}"}


def _slack_reachable(slack: Any) -> tuple[bool, str]:
    """Slack's Web API answers and accepts the bot token (``auth.test``); with OAuth and no single bot
    token, that the API answers at all (``api.test``)."""
    base = slack.api_base_url if slack.api_base_url.endswith("/") else slack.api_base_url + "/"
    try:
        if slack.bot_token:
            answer = _http_json(base + "auth.test", token=slack.bot_token, data=b"")
            if answer.get("ok"):
                return True, f"{base} accepts SLACK_BOT_TOKEN (auth.test)"
            return False, f"{base} refused SLACK_BOT_TOKEN: {str(answer.get('error'))[:80]}"
        answer = _http_json(base + "api.test", data=b"")
        return bool(answer.get("ok")), f"{base} answers (api.test; installations use their own tokens)"
    except (OSError, ValueError, AttributeError) as exc:  # AttributeError: an answer that is not a JSON object
        return False, f"{base} unreachable ({type(exc).__name__})"


def _matrix_reachable(matrix: Any) -> tuple[bool, str]:
    """The homeserver answers (``/versions``) and the bot's credentials log in as ``user_id``
    (``whoami`` with the access token; a password login, logged out at once, otherwise)."""
    try:
        versions = _http_json(matrix.homeserver + "/_matrix/client/versions")
        if not isinstance(versions, dict) or "versions" not in versions:
            return False, f"{matrix.homeserver} does not answer as a Matrix homeserver"
        if matrix.access_token:
            who = _http_json(matrix.homeserver + "/_matrix/client/v3/account/whoami", token=matrix.access_token)
            if who.get("user_id") != matrix.user_id:
                why = who.get("errcode") or "the token belongs to another user"
                return False, f"{matrix.homeserver}: MATRIX_ACCESS_TOKEN is not {matrix.user_id}'s ({why})"
            return True, f"{matrix.homeserver} answers; the access token is {matrix.user_id}'s"
        token = _matrix_password_login(matrix)
        if not token:
            return False, f"{matrix.homeserver}: MATRIX_PASSWORD does not log in as {matrix.user_id}"
        _matrix_logout(matrix.homeserver, token)
        return True, f"{matrix.homeserver} answers; the password logs in as {matrix.user_id}"
    except (OSError, ValueError, AttributeError) as exc:  # AttributeError: an answer that is not a JSON object
        return False, f"{matrix.homeserver} unreachable ({type(exc).__name__})"


def _doctor_gate(matrix: Any, report: Any) -> None:
    """The pre-store gate: it answers, the homeserver's module reaches it (a signed self-test sent as
    the bot), and what homeserver.yaml says about retention when the file is readable."""
    from bot.matrix.gate import homeserver_config_findings, ping_gate, self_test_through_homeserver

    gate = matrix.gate
    answered, detail = ping_gate(gate)
    report("matrix gate", answered, detail)
    if answered:
        token, logged_in = matrix.access_token, False
        if not token and matrix.password:
            token, logged_in = _matrix_password_login(matrix), True
        if token:
            try:
                good, detail = self_test_through_homeserver(matrix.homeserver, token, gate)
            except OSError as exc:
                good, detail = False, f"homeserver unreachable ({type(exc).__name__})"
            finally:
                if logged_in:
                    _matrix_logout(matrix.homeserver, token)
            report("homeserver module", good, detail)
        else:
            report("homeserver module", False, "could not log in as the bot to send the self-test")
    if gate.homeserver_config:
        for good, detail in homeserver_config_findings(gate.homeserver_config, gate):
            report("homeserver.yaml", good, detail, warn_only=True)
    else:
        report(
            "homeserver.yaml",
            False,
            "set [matrix.gate] homeserver_config to let doctor check redaction_retention_period",
            warn_only=True,
        )


def _matrix_password_login(matrix: Any) -> str | None:
    import json
    import urllib.request

    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": matrix.user_id},
        "password": matrix.password,
        "initial_device_display_name": "needtoknow doctor",
    }
    req = urllib.request.Request(  # noqa: S310 - the configured homeserver URL
        matrix.homeserver + "/_matrix/client/v3/login", data=json.dumps(body).encode(), method="POST"
    )
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            token = json.loads(resp.read()).get("access_token")
    except (OSError, ValueError):
        return None
    return token if isinstance(token, str) else None


def _matrix_logout(homeserver: str, token: str) -> None:
    import urllib.request

    req = urllib.request.Request(homeserver + "/_matrix/client/v3/logout", data=b"{}", method="POST")  # noqa: S310
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10):  # noqa: S310
            pass
    except OSError:
        pass


def _redact(rest: Sequence[str], args: argparse.Namespace) -> int:
    from redaction import RedactionSettings
    from redaction.cli import main as redact_main

    path = find_config_path(args.config)
    settings = RedactionSettings.from_mapping(load_config(path).redaction_table()) if path else None
    return redact_main(list(rest), stdin=sys.stdin, stdout=sys.stdout, settings=settings)


def _config_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On the top-level parser and on every verb, so `needtoknow --config X audit verify` and
    # `needtoknow audit verify --config X` both work; SUPPRESS keeps a verb's absent option from
    # overwriting the top-level one.
    parser.add_argument(
        "--config",
        default=None if top else argparse.SUPPRESS,
        help="config file (default: $NEEDTOKNOW_CONFIG, ./config.toml, else the built-in demo)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="needtoknow", description=__doc__)
    p.add_argument("--version", action="version", version=f"needtoknow {_version()}")
    _config_option(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def verb(parent: Any, name: str, help_text: str, **kw: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text, **kw)
        _config_option(parser)
        return parser

    def group(name: str, help_text: str) -> Any:
        parser = verb(sub, name, help_text)
        return parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    c = verb(sub, "console", "talk to the bot in a simulated workspace (demo directory without a config)")
    c.add_argument("--as", dest="as_", help="start as this member handle")
    c.add_argument("--in", dest="in_", help="start in this channel")
    r = verb(sub, "run", "run the bot on the configured platform")
    r.add_argument("--as", dest="as_", help=argparse.SUPPRESS)
    r.add_argument("--in", dest="in_", help=argparse.SUPPRESS)
    verb(group("db", "database"), "upgrade", "create the database or apply pending migrations")
    k = verb(sub, "keygen", "create a key file (encryption + HMAC keys)")
    k.add_argument("--out", help="write to this file (mode 0600) instead of stdout")
    k.add_argument(
        "--rotate", metavar="KEY_FILE", help="add a new primary encryption key to an existing key file"
    )
    verb(group("keys", "key maintenance"), "rotate", "re-encrypt stored data under the primary key")
    audit_verbs = group("audit", "audit log: verify the chain, take a checkpoint (docs/audit.md)")
    av = verb(audit_verbs, "verify", "check the audit log's hash chain, head and checkpoints (exit 1 if tampered)")
    av.add_argument(
        "--checkpoint",
        action="append",
        metavar="CODE",
        help="a checkpoint code from a coordinator's DM (repeatable)",
    )
    av.add_argument(
        "--checkpoint-file",
        action="append",
        metavar="PATH",
        help="checkpoint lines to check every one of (default: [audit] checkpoint_file)",
    )
    verb(
        audit_verbs,
        "checkpoint",
        "sign the chain head now: a file line and a code by DM to the coordinators",
    )
    verb(
        group("directory", "directory"),
        "sync",
        "apply the config's agencies, members and channels to the database",
    )
    verb(sub, "doctor", "check config, keys, database schema, file modes, spaCy model, platform settings and reachability")
    verb(
        sub,
        "deny-hash",
        "read aliases (one per line) from stdin, print their keyed hashes for redaction.deny_hashes",
    )
    verb(sub, "redact", 'redact PII from text: needtoknow redact "text" | --jsonl < in.jsonl', add_help=False)
    return p


def _configure_logging(config: Config | None, *, console: bool = False) -> None:
    from bot.logs import configure_logging

    level = os.environ.get("NEEDTOKNOW_LOG_LEVEL") or (config.log_level if config else "WARNING")
    if console:  # log lines would interleave with the conversation
        level = "WARNING"
    configure_logging(
        level,
        fmt=config.log_format if config else "text",
        third_party_level=config.third_party_log_level if config else "WARNING",
    )


def _database_failure(config: Config | None, exc: BaseException) -> str:
    where = "the database"
    doctor = "needtoknow doctor"
    if config is not None:
        from sqlalchemy.engine import make_url

        from bot.app import _resolve_db_url
        from storage.db import normalise_url

        where += " " + make_url(normalise_url(_resolve_db_url(config))).render_as_string(hide_password=True)
        doctor = f"needtoknow --config {config.source} doctor"
    return (
        f"{where} failed ({type(exc).__name__}): check [database] url and that the database server is running "
        f"and holds needtoknow's tables; `{doctor}` checks each"
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _configure_logging(None)
    parser = build_parser()
    # `redact` passes its own arguments through untouched (they may start with --).
    if "redact" in argv:
        i = argv.index("redact")
        args = parser.parse_args([*argv[:i], "redact"])
        try:
            return _redact(argv[i + 1 :], args)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    args = parser.parse_args(argv)
    config: Config | None = None
    try:
        if args.command == "keygen":
            return _keygen(args)
        if args.command == "doctor":
            return _doctor(args)
        config = _load(args)
        _configure_logging(config, console=args.command == "console" or config.platform == "console")
        if args.command == "console":
            return asyncio.run(_console(args, config))
        if args.command == "run":
            return asyncio.run(_run(args, config))
        if args.command == "db":
            return _db_upgrade(config)
        if args.command == "keys":
            return _keys_rotate(config)
        if args.command == "audit":
            return _audit(args, config)
        if args.command == "directory":
            return _directory_sync(config)
        if args.command == "deny-hash":
            return _deny_hash(config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyMissing as exc:
        print(f"key error: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"needtoknow: {exc}", file=sys.stderr)
        return 2
    except (WrongKey, SchemaTooNew) as exc:
        print(f"needtoknow: refusing to start: {exc}", file=sys.stderr)
        return 3
    except PlatformError as exc:
        # The platform refused to start (token rejected, homeserver or Web API unreachable): one line; a
        # PlatformError's message never carries message text (bot/platform.py).
        print(f"needtoknow: the platform could not start: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        # Unreachable, refused, not a database file, a missing table: one line, never the driver's
        # message or a traceback (they can quote SQL parameters, hosts or user names).
        print(f"needtoknow: {_database_failure(config, exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
