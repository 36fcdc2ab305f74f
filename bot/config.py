"""Configuration: one TOML file, validated at start-up with messages that name the key.

Secrets never live in the TOML: tokens and keys come from environment variables or key files
(``storage.crypto``). A key in the file that looks like a secret (``token``, ``password``,
``secret``, ``key``) is refused so nobody pastes one there by habit.

Feature sections (``[tips]``, ``[releases]``, ...) and adapter sections (``[slack]``, ``[matrix]``)
are parsed by their owners: features through ``Router.settings``, adapters from
``Config.platform_table``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_PATH = "config.toml"
ENV_CONFIG = "NEEDTOKNOW_CONFIG"

PLATFORMS = ("console", "slack", "matrix")
DISCIPLINES = (
    "community_advocate",  # community-based caseworker/advocate: cannot share PII without a release
    "systems_advocate",  # victim-witness advocate in LE/prosecution: must pass information on
    "law_enforcement",
    "prosecutor",
    "healthcare",
    "civil_attorney",
    "coordinator",
)
ROLES = (
    "point_person",  # the single tip point person (guide: "one point person to evaluate and disseminate")
    "backup_point_person",
    "ngo_contact",  # receives operation notices for their NGO
    "core_team",  # receives disseminated subject names
    "operation_lead",  # law enforcement: records operations
    "admin",  # directory and channel policy changes
)
AGENCY_TYPES = ("law_enforcement", "prosecution", "victim_services", "health", "legal", "other")
# Names of the first releases (``kind = "ngo"``); a config or database using them keeps working.
LEGACY_AGENCY_TYPES = {"ngo": "victim_services", "healthcare": "health", "coordination": "other"}
AGENCY_KINDS = AGENCY_TYPES  # the older name of the same list

# Which disciplines an agency of each type employs. A member's discipline must fit their agency's
# type (at config load and on every command that sets it), so nobody becomes a "prosecutor" at a
# shelter: operation details go to law enforcement and prosecutors only (docs/roles.md), and that
# rule is only as good as these identities. Coordinators sit in any agency (the task-force
# coordinator is often employed by the prosecution or an NGO); systems-based advocates work inside
# law enforcement and prosecution (ECM guide: victim-witness advocates); NGOs employ caseworkers,
# nurses and staff attorneys.
DISCIPLINES_BY_AGENCY_TYPE: dict[str, frozenset[str]] = {
    "law_enforcement": frozenset({"law_enforcement", "systems_advocate", "coordinator"}),
    "prosecution": frozenset({"prosecutor", "systems_advocate", "coordinator"}),
    "victim_services": frozenset({"community_advocate", "healthcare", "civil_attorney", "coordinator"}),
    "health": frozenset({"healthcare", "community_advocate", "coordinator"}),
    "legal": frozenset({"civil_attorney", "community_advocate", "coordinator"}),
    "other": frozenset({"community_advocate", "coordinator"}),
}

# Roles that only fit some identities: (disciplines, agency types); None means any.
ROLE_FIT: dict[str, tuple[frozenset[str] | None, frozenset[str] | None]] = {
    "operation_lead": (frozenset({"law_enforcement"}), frozenset({"law_enforcement"})),
    "ngo_contact": (None, frozenset({"victim_services"})),
}


def normalise_agency_type(value: str) -> str:
    """The current name of an agency type (legacy names mapped); unknown names are returned as given."""
    low = value.strip().lower()
    return LEGACY_AGENCY_TYPES.get(low, low)


def discipline_problem(discipline: str, agency_key: str, agency_type: str) -> str | None:
    """Why ``discipline`` does not fit an agency of ``agency_type``, or None when it does."""
    allowed = DISCIPLINES_BY_AGENCY_TYPE.get(normalise_agency_type(agency_type), frozenset())
    if discipline in allowed:
        return None
    return (
        f"discipline {discipline!r} does not fit agency {agency_key!r} "
        f"({normalise_agency_type(agency_type).replace('_', ' ')}); "
        f"allowed there: {', '.join(sorted(allowed)) or 'none'}"
    )


def role_problem(role: str, discipline: str, agency_type: str) -> str | None:
    """Why a member of this identity cannot hold ``role``, or None when they can."""
    disciplines, types = ROLE_FIT.get(role, (None, None))
    if disciplines is not None and discipline not in disciplines:
        return f"role {role} needs discipline {' or '.join(sorted(disciplines))}"
    if types is not None and normalise_agency_type(agency_type) not in types:
        return f"role {role} needs an agency of type {' or '.join(sorted(types))}"
    return None

PII_POLICIES = ("off", "warn", "redact", "meeting", "block")
_SECRET_WORDS = ("token", "password", "secret", "api_key", "private_key", "pickle_key")
_CORE_SECTIONS = {
    "audit",
    "bot",
    "database",
    "security",
    "scheduler",
    "redaction",
    "agencies",
    "members",
    "channels",
    "slack",
    "matrix",
    "console",
    "logging",
    "ops",
}
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """Invalid configuration. ``problems`` lists every ``key: problem`` found, not just the first."""

    def __init__(self, problems: list[str], source: str = "configuration") -> None:
        self.problems = problems
        super().__init__(f"{source} is invalid:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class AgencyConfig:
    key: str
    name: str
    kind: str


@dataclass(frozen=True)
class MemberConfig:
    handle: str
    name: str
    agency: str
    discipline: str
    roles: tuple[str, ...] = ()
    slack_id: str | None = None
    matrix_id: str | None = None


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    pii_policy: str = "warn"
    agreement: str | None = None
    slack_id: str | None = None
    matrix_id: str | None = None
    members: tuple[str, ...] = ()  # console: who is in the channel (default: everyone)


@dataclass(frozen=True)
class Config:
    platform: str = "console"
    task_force_name: str = "Task Force"
    timezone: str = "UTC"
    database_url: str = "sqlite:///var/needtoknow.db"
    key_file: str | None = None
    sweep_seconds: float = 30.0
    outbox_seconds: float = 5.0
    outbox_retry_hours: float = 72.0
    outbox_lease_seconds: float = 120.0
    late_after_seconds: float = 300.0
    shutdown_grace_seconds: float = 20.0
    log_level: str = "INFO"
    #: Threads that run handlers off the event loop (0: on the loop, the old behaviour). 16: scans of
    #: concurrent messages share the engine's batches (redaction/batching.py), more of them with more threads.
    worker_threads: int = 16
    #: The PII engine runs in a child process (redaction/process.py): scans use another core, off the GIL.
    engine_process: bool = False
    log_format: str = "text"
    third_party_log_level: str = "WARNING"
    # [audit]: checkpoints of the audit chain exported outside the database (docs/audit.md).
    audit_checkpoint_file: str | None = None
    audit_checkpoint_hours: float = 24.0
    audit_checkpoint_dm: bool = True
    agencies: tuple[AgencyConfig, ...] = ()
    members: tuple[MemberConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    source: str = "defaults"
    base_dir: str = "."  # relative paths in the file resolve against the file's folder

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return dict(value) if isinstance(value, Mapping) else {}

    def redaction_table(self) -> dict[str, Any]:
        """The ``[redaction]`` table with a ``pii_model`` directory resolved against the config file's folder."""
        table = self.section("redaction")
        model = table.get("pii_model")
        if isinstance(model, str) and model.strip() and model not in ("builtin", "off"):
            table["pii_model"] = str(self.resolve_path(model))
        return table

    def platform_table(self, name: str) -> dict[str, Any]:
        return self.section(name)

    def resolve_path(self, path: str) -> Path:
        """Paths in the config are relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir) / p


def find_config_path(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    default = Path(DEFAULT_PATH)
    return default if default.exists() else None


def load_config(path: str | Path) -> Config:
    p = Path(path)
    if not p.is_file():
        raise ConfigError([f"file {p} does not exist (copy config.example.toml to start)"], str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(p)) from None
    except UnicodeDecodeError:
        raise ConfigError(["not valid UTF-8"], str(p)) from None
    return parse_config(data, source=str(p), base_dir=str(p.resolve().parent))


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, problem: str) -> None:
        self.items.append(f"{key}: {problem}")


def _table(data: Mapping[str, Any], name: str, problems: _Problems) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        problems.add(name, "must be a table")
        return {}
    return dict(value)


def _str(
    table: Mapping[str, Any],
    key: str,
    where: str,
    problems: _Problems,
    default: str | None = None,
    choices: tuple[str, ...] | None = None,
    required: bool = False,
) -> str | None:
    if key not in table:
        if required:
            problems.add(f"{where}.{key}", "is required")
        return default
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{where}.{key}", "must be a non-empty string")
        return default
    if choices and value not in choices:
        problems.add(f"{where}.{key}", f"must be one of {', '.join(choices)} (got {value!r})")
        return default
    return value


def _num(
    table: Mapping[str, Any], key: str, where: str, problems: _Problems, default: float, minimum: float = 0.0
) -> float:
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        problems.add(f"{where}.{key}", f"must be a number >= {minimum:g}")
        return default
    return float(value)


def _check_unknown(table: Mapping[str, Any], allowed: set[str], where: str, problems: _Problems) -> None:
    for key in table:
        if key not in allowed:
            problems.add(f"{where}.{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def _check_no_secrets(data: Any, where: str, problems: _Problems) -> None:
    if isinstance(data, Mapping):
        for key, value in data.items():
            low = str(key).lower()
            if any(word in low for word in _SECRET_WORDS) and not low.endswith(("_file", "_env")):
                problems.add(
                    f"{where}{key}",
                    "secrets must come from environment variables or key files, not the config file",
                )
            _check_no_secrets(value, f"{where}{key}.", problems)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _check_no_secrets(item, f"{where.rstrip('.')}[{i}].", problems)


def parse_config(
    data: Mapping[str, Any],
    *,
    source: str = "configuration",
    base_dir: str = ".",
    feature_sections: set[str] | None = None,
) -> Config:
    """Validate a parsed TOML document. Unknown top-level sections are checked against
    ``feature_sections`` when given (the app passes the sections its handlers registered)."""
    problems = _Problems()
    _check_no_secrets(data, "", problems)
    if feature_sections is not None:
        for key in data:
            if key not in _CORE_SECTIONS | feature_sections:
                problems.add(key, "unknown section")

    bot = _table(data, "bot", problems)
    _check_unknown(bot, {"platform", "task_force_name", "timezone", "log_level", "worker_threads", "engine_process"},
                   "bot", problems)
    worker_threads = bot.get("worker_threads", 16)
    if isinstance(worker_threads, bool) or not isinstance(worker_threads, int) or not 0 <= worker_threads <= 64:
        problems.add("bot.worker_threads", "must be a whole number from 0 to 64 (0 runs handlers on the event loop)")
        worker_threads = 16
    engine_process = bot.get("engine_process", False)
    if not isinstance(engine_process, bool):
        problems.add("bot.engine_process", "must be true or false")
        engine_process = False
    platform = _str(bot, "platform", "bot", problems, "console", PLATFORMS) or "console"
    timezone = _str(bot, "timezone", "bot", problems, "UTC") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(
            "bot.timezone", f"unknown time zone {timezone!r} (use an IANA name like America/Chicago)"
        )
        timezone = "UTC"
    log_level = (
        _str(bot, "log_level", "bot", problems, "INFO", LOG_LEVELS) or "INFO"
    )
    logs = _table(data, "logging", problems)
    _check_unknown(logs, {"format", "third_party_level"}, "logging", problems)
    log_format = _str(logs, "format", "logging", problems, "text", LOG_FORMATS) or "text"
    third_party_level = _str(logs, "third_party_level", "logging", problems, "WARNING", LOG_LEVELS) or "WARNING"

    db = _table(data, "database", problems)
    _check_unknown(db, {"url"}, "database", problems)
    database_url = _str(db, "url", "database", problems, "sqlite:///var/needtoknow.db") or ""
    if "://" not in database_url:
        problems.add("database.url", "must be a URL like sqlite:///var/needtoknow.db or postgresql://host/db")
    elif (
        "@" in database_url.split("://", 1)[1].split("/", 1)[0]
        and ":" in database_url.split("://", 1)[1].split("@")[0]
    ):
        problems.add("database.url", "must not contain a password; use PGPASSWORD or a .pgpass file")

    sec = _table(data, "security", problems)
    _check_unknown(sec, {"key_file"}, "security", problems)
    key_file = _str(sec, "key_file", "security", problems)

    sched = _table(data, "scheduler", problems)
    _check_unknown(
        sched,
        {
            "sweep_seconds",
            "outbox_seconds",
            "outbox_retry_hours",
            "outbox_lease_seconds",
            "late_after_seconds",
            "shutdown_grace_seconds",
        },
        "scheduler",
        problems,
    )
    sweep = _num(sched, "sweep_seconds", "scheduler", problems, 30.0, 1.0)
    outbox = _num(sched, "outbox_seconds", "scheduler", problems, 5.0, 0.5)
    retry_hours = _num(sched, "outbox_retry_hours", "scheduler", problems, 72.0, 0.0)
    lease = _num(sched, "outbox_lease_seconds", "scheduler", problems, 120.0, 10.0)
    late_after = _num(sched, "late_after_seconds", "scheduler", problems, 300.0, 0.0)
    grace = _num(sched, "shutdown_grace_seconds", "scheduler", problems, 20.0, 0.0)

    audit = _table(data, "audit", problems)
    _check_unknown(audit, {"checkpoint_file", "checkpoint_interval_hours", "checkpoint_dm"}, "audit", problems)
    checkpoint_file = _str(audit, "checkpoint_file", "audit", problems)
    checkpoint_hours = _num(audit, "checkpoint_interval_hours", "audit", problems, 24.0, 0.0)
    checkpoint_dm = audit.get("checkpoint_dm", True)
    if not isinstance(checkpoint_dm, bool):
        problems.add("audit.checkpoint_dm", "must be true or false")
        checkpoint_dm = True

    agencies = _parse_agencies(data, problems)
    members = _parse_members(data, problems, {a.key: a.kind for a in agencies})
    channels = _parse_channels(data, problems, {m.handle for m in members})

    if problems.items:
        raise ConfigError(problems.items, source)
    return Config(
        platform=platform,
        task_force_name=_str(bot, "task_force_name", "bot", problems, "Task Force") or "Task Force",
        timezone=timezone,
        database_url=database_url,
        key_file=key_file,
        sweep_seconds=sweep,
        outbox_seconds=outbox,
        outbox_retry_hours=retry_hours,
        outbox_lease_seconds=lease,
        late_after_seconds=late_after,
        shutdown_grace_seconds=grace,
        log_level=log_level,
        worker_threads=worker_threads,
        engine_process=engine_process,
        log_format=log_format,
        third_party_log_level=third_party_level,
        audit_checkpoint_file=checkpoint_file,
        audit_checkpoint_hours=checkpoint_hours,
        audit_checkpoint_dm=checkpoint_dm,
        agencies=tuple(agencies),
        members=tuple(members),
        channels=tuple(channels),
        raw=dict(data),
        source=source,
        base_dir=base_dir,
    )


def _list_of_tables(data: Mapping[str, Any], name: str, problems: _Problems) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        problems.add(name, f"must be an array of tables ([[{name}]])")
        return []
    return [dict(v) for v in value]


def _parse_agencies(data: Mapping[str, Any], problems: _Problems) -> list[AgencyConfig]:
    out: list[AgencyConfig] = []
    seen: set[str] = set()
    for i, t in enumerate(_list_of_tables(data, "agencies", problems)):
        where = f"agencies[{i}]"
        _check_unknown(t, {"key", "name", "type", "kind"}, where, problems)
        key = _str(t, "key", where, problems, required=True)
        name = _str(t, "name", where, problems, required=True)
        if "type" in t and "kind" in t:
            problems.add(f"{where}.kind", "give the agency type once, as type = ...")
        field_name = "kind" if "kind" in t and "type" not in t else "type"
        raw_type = t.get(field_name, "other")
        if isinstance(raw_type, str):
            t = {**t, field_name: normalise_agency_type(raw_type)}
        kind = _str(t, field_name, where, problems, None, AGENCY_TYPES) if field_name in t else "other"
        if key and key in seen:
            problems.add(f"{where}.key", f"duplicate agency key {key!r}")
        if key and name and kind:
            seen.add(key)
            out.append(AgencyConfig(key.lower(), name, kind))
    return out


def _parse_members(
    data: Mapping[str, Any], problems: _Problems, agencies: Mapping[str, str]
) -> list[MemberConfig]:
    out: list[MemberConfig] = []
    seen: set[str] = set()
    holders: dict[str, list[str]] = {}
    for i, t in enumerate(_list_of_tables(data, "members", problems)):
        where = f"members[{i}]"
        _check_unknown(
            t, {"handle", "name", "agency", "discipline", "roles", "slack_id", "matrix_id"}, where, problems
        )
        handle = _str(t, "handle", where, problems, required=True)
        name = _str(t, "name", where, problems, required=True)
        agency = _str(t, "agency", where, problems, required=True)
        discipline = _str(t, "discipline", where, problems, None, DISCIPLINES, required=True)
        roles = t.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            problems.add(f"{where}.roles", "must be a list of role names")
            roles = []
        for r in roles:
            if r not in ROLES:
                problems.add(f"{where}.roles", f"unknown role {r!r} (roles: {', '.join(ROLES)})")
        if agency and agency.lower() not in agencies:
            problems.add(f"{where}.agency", f"unknown agency {agency!r}; add it under [[agencies]]")
        elif agency and discipline:
            agency_type = agencies[agency.lower()]
            misfit = discipline_problem(discipline, agency.lower(), agency_type)
            if misfit:
                problems.add(f"{where}.discipline", misfit)
            else:
                for r in roles:
                    role_misfit = role_problem(r, discipline, agency_type) if isinstance(r, str) else None
                    if role_misfit:
                        problems.add(f"{where}.roles", role_misfit)
        if handle and handle in seen:
            problems.add(f"{where}.handle", f"duplicate handle {handle!r}")
        if handle:
            seen.add(handle)
            for r in roles:
                holders.setdefault(r, []).append(handle)
        if handle and name and agency and discipline:
            out.append(
                MemberConfig(
                    handle=handle,
                    name=name,
                    agency=agency.lower(),
                    discipline=discipline,
                    roles=tuple(r for r in roles if r in ROLES),
                    slack_id=_str(t, "slack_id", where, problems),
                    matrix_id=_str(t, "matrix_id", where, problems),
                )
            )
    for role in ("point_person", "backup_point_person"):
        if len(holders.get(role, [])) > 1:
            problems.add(
                "members", f"only one member may have role {role} (found {', '.join(holders[role])})"
            )
    return out


def _parse_channels(data: Mapping[str, Any], problems: _Problems, handles: set[str]) -> list[ChannelConfig]:
    out: list[ChannelConfig] = []
    for i, t in enumerate(_list_of_tables(data, "channels", problems)):
        where = f"channels[{i}]"
        _check_unknown(
            t, {"name", "pii_policy", "agreement", "slack_id", "matrix_id", "members"}, where, problems
        )
        name = _str(t, "name", where, problems, required=True)
        policy = _str(t, "pii_policy", where, problems, "warn", PII_POLICIES) or "warn"
        members = t.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.add(f"{where}.members", "must be a list of member handles")
            members = []
        for m in members:
            if m not in handles:
                problems.add(f"{where}.members", f"unknown member {m!r}")
        if name:
            out.append(
                ChannelConfig(
                    name=name.lstrip("#"),
                    pii_policy=policy,
                    agreement=_str(t, "agreement", where, problems),
                    slack_id=_str(t, "slack_id", where, problems),
                    matrix_id=_str(t, "matrix_id", where, problems),
                    members=tuple(members),
                )
            )
    return out
