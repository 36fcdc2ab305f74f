"""The policy table: who may do what, for every command, subcommand, button and form.

Two tables, read by the checks themselves:

* ``PERMISSIONS`` — for each ``Permission``: the roles that grant it, the disciplines and agency types
  it is limited to. ``Context.require(Permission.X)`` (``check`` below) reads it.
* ``ACTIONS`` — for each action the router knows (``tip``, ``tip ack``, ``button:tips.ack``,
  ``form:tips.new``, ...): the permission it needs and the ownership rule its handler applies to the
  record it names. ``App`` checks every command, button press and form submission against it
  *before* the handler runs (``authorize``); an action without a row is refused (fail closed) and
  ``tests/unit/test_policy.py`` fails for any action in the router's registry without a row.

Ownership (a tip question answered only by whom it was sent to, a notice acknowledged only by its
NGO, operation details only to its team, ...) needs the record, so handlers check it; the
``owner`` column names the rule and the tests press every such button as someone else and with
values pointing at another record.

Why each permission rule: tips are read by the single point person (and backup) only (guide: one
point person "to evaluate and disseminate"); operation leads are law enforcement at a
law-enforcement agency; operation details are visible to law enforcement and prosecutors only (need
to know) — and of those, only to the operation's team; NGO contacts at victim-services agencies
receive the whitelisted notice and nothing else. docs/roles.md renders these tables.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from storage.directory import MemberView


class Permission(enum.Enum):
    USE_BOT = "use the bot"
    SUBMIT_TIP = "submit a tip"
    HANDLE_TIPS = "read and handle tips"
    VIEW_CASES = "view task-force cases"
    MANAGE_OPERATIONS = "create or change operations"
    VIEW_OPERATION_DETAILS = "view operation details"
    RECEIVE_OPERATION_NOTICES = "receive operation notices"
    MANAGE_RELEASES = "record releases of information"
    CHECK_RELEASES = "check releases of information"
    ADMIN = "change the directory and channel policies"
    REVIEW_PII_REPORTS = "read the PII guard report"


@dataclass(frozen=True)
class Rule:
    """``roles``: one of them is needed (None: every active member). ``or_disciplines``: members of
    these disciplines pass the role requirement without the role. ``disciplines`` and
    ``agency_types``: the member's must be one of them (None: any)."""

    roles: frozenset[str] | None = None
    disciplines: frozenset[str] | None = None
    agency_types: frozenset[str] | None = None
    or_disciplines: frozenset[str] = frozenset()


_HANDLERS = frozenset({"point_person", "backup_point_person"})
_LE_AND_PROSECUTION = frozenset({"law_enforcement", "prosecutor"})
_LE_AND_PROSECUTION_AGENCIES = frozenset({"law_enforcement", "prosecution"})

PERMISSIONS: dict[Permission, Rule] = {
    Permission.USE_BOT: Rule(),
    Permission.SUBMIT_TIP: Rule(),
    Permission.HANDLE_TIPS: Rule(roles=_HANDLERS),
    Permission.VIEW_CASES: Rule(roles=_HANDLERS | {"core_team", "admin"}),
    Permission.MANAGE_OPERATIONS: Rule(
        roles=frozenset({"operation_lead"}),
        disciplines=frozenset({"law_enforcement"}),
        agency_types=frozenset({"law_enforcement"}),
    ),
    Permission.VIEW_OPERATION_DETAILS: Rule(
        disciplines=_LE_AND_PROSECUTION, agency_types=_LE_AND_PROSECUTION_AGENCIES
    ),
    Permission.RECEIVE_OPERATION_NOTICES: Rule(
        roles=frozenset({"ngo_contact"}), agency_types=frozenset({"victim_services"})
    ),
    Permission.MANAGE_RELEASES: Rule(),
    Permission.CHECK_RELEASES: Rule(),
    Permission.ADMIN: Rule(roles=frozenset({"admin"})),
    Permission.REVIEW_PII_REPORTS: Rule(
        roles=frozenset({"admin"}), or_disciplines=frozenset({"coordinator"})
    ),
}

# A permission a task force may widen by configuration: (config section, setting, extra role).
# ``[tips] admins_can_read = true`` lets admins read tips.
CONFIGURABLE_ROLES: dict[Permission, tuple[str, str, str]] = {
    Permission.HANDLE_TIPS: ("tips", "admins_can_read", "admin"),
}


# Ownership rules a handler applies to the record an action names (documented per action below).
OWN_TIP_QUEUE = "any tip: the point person and backup share one queue"
OWN_QUESTION = "only the member the tip question was sent to"
OWN_NOTICE = "only the NGO contact (or their agency's contacts) the notice was sent to"
OWN_TEAM = "only members of that operation's team"
OWN_TEAM_CHANGE = "any operation lead, never themselves; the operation's lead is told"
OWN_RELEASE = "only members of the agency that recorded the release (and admins)"
OWN_WARNING = "only the member whose message was flagged (or who asked for the preview)"
OWN_REQUEST = "a second admin: not the requester, not the member concerned"
OWN_SELF = "never on themselves"
OWN_DRAFT = "only the member who wrote the draft"


@dataclass(frozen=True)
class Action:
    permission: Permission
    owner: str | None = None
    note: str = ""  # added to a refusal (e.g. that a mistyped /tip command stored nothing)


_TIP_NOTE = 'Nothing was stored or sent. To send a tip, use /tip alone (a form) or write it as observed="...".'


P = Permission
ACTIONS: dict[str, Action] = {
    # help and preview: everyone (help works for people outside the directory too)
    "help": Action(P.USE_BOT),
    "preview": Action(P.USE_BOT),
    "button:pii.post": Action(P.USE_BOT, OWN_WARNING),
    "button:pii.post_as_is": Action(P.USE_BOT, OWN_WARNING),
    "button:pii.repost": Action(P.USE_BOT, OWN_WARNING),
    "button:pii.keep": Action(P.USE_BOT, OWN_WARNING),
    "button:pii.delete": Action(P.USE_BOT, OWN_WARNING),
    "form:pii.keep": Action(P.USE_BOT, OWN_WARNING),
    "form:pii.post_reason": Action(P.USE_BOT, OWN_WARNING),
    "pii": Action(P.REVIEW_PII_REPORTS),
    "pii report": Action(P.REVIEW_PII_REPORTS),
    # tips
    "tip": Action(P.SUBMIT_TIP),
    "form:tips.new": Action(P.SUBMIT_TIP),
    "button:tips.confirm": Action(P.SUBMIT_TIP, OWN_DRAFT),
    "button:tips.discard": Action(P.SUBMIT_TIP, OWN_DRAFT),
    "tip help": Action(P.USE_BOT),
    "tip list": Action(P.HANDLE_TIPS, note=_TIP_NOTE),
    "tip ack": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "tip show": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "tip dup": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "tip disseminate": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "tip case": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "tip close": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE, note=_TIP_NOTE),
    "button:tips.ack": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.dup": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.disseminate": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.case": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.close": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.meeting": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "form:tips.dup": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "form:tips.disseminate": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "form:tips.case": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "form:tips.close": Action(P.HANDLE_TIPS, OWN_TIP_QUEUE),
    "button:tips.info.yes": Action(P.USE_BOT, OWN_QUESTION),
    "button:tips.info.no": Action(P.USE_BOT, OWN_QUESTION),
    # cases
    "case": Action(P.VIEW_CASES),
    "case list": Action(P.VIEW_CASES),
    "case show": Action(P.VIEW_CASES),
    # operations
    "operation": Action(P.MANAGE_OPERATIONS),
    "operation new": Action(P.MANAGE_OPERATIONS),
    "form:operations.new": Action(P.MANAGE_OPERATIONS),
    "operation show": Action(P.VIEW_OPERATION_DETAILS, OWN_TEAM),
    "operation list": Action(P.VIEW_OPERATION_DETAILS),
    "operation team": Action(P.VIEW_OPERATION_DETAILS, OWN_TEAM),
    "operation team add": Action(P.MANAGE_OPERATIONS, OWN_TEAM_CHANGE),
    "operation team remove": Action(P.MANAGE_OPERATIONS, OWN_TEAM_CHANGE),
    "operation status": Action(P.MANAGE_OPERATIONS),
    "operation update": Action(P.MANAGE_OPERATIONS),
    "operation postpone": Action(P.MANAGE_OPERATIONS),
    "operation cancel": Action(P.MANAGE_OPERATIONS),
    "operation conclude": Action(P.MANAGE_OPERATIONS),
    "button:operations.ack": Action(P.RECEIVE_OPERATION_NOTICES, OWN_NOTICE),
    # releases
    "release": Action(P.USE_BOT),
    "release new": Action(P.MANAGE_RELEASES),
    "form:releases.new": Action(P.MANAGE_RELEASES),
    "release check": Action(P.CHECK_RELEASES),
    "release revoke": Action(P.MANAGE_RELEASES, OWN_RELEASE),
    "release renew": Action(P.MANAGE_RELEASES, OWN_RELEASE),
    "release list": Action(P.MANAGE_RELEASES, OWN_RELEASE),
    "release summary": Action(P.USE_BOT, OWN_RELEASE),
    # the directory
    "admin": Action(P.ADMIN),
    "admin members": Action(P.ADMIN),
    "admin channels": Action(P.ADMIN),
    "admin grant": Action(P.ADMIN, OWN_SELF),
    "admin revoke": Action(P.ADMIN),
    "admin add": Action(P.ADMIN),
    "admin identity": Action(P.ADMIN),
    "admin requests": Action(P.ADMIN),
    "admin approve": Action(P.ADMIN, OWN_REQUEST),
    "admin reject": Action(P.ADMIN),
    "admin deactivate": Action(P.ADMIN),
    "admin channel": Action(P.ADMIN),
    "admin policy": Action(P.ADMIN),
    "button:directory.identity.approve": Action(P.ADMIN, OWN_REQUEST),
    "button:directory.identity.reject": Action(P.ADMIN),
}


class PermissionDenied(Exception):
    """Raised when a member may not do something; the message is safe to show them."""

    def __init__(self, permission: Permission, reason: str) -> None:
        self.permission = permission
        self.reason = reason
        super().__init__(reason)


class NotInDirectory(PermissionDenied):
    """The person is not (or no longer) an active member of the task-force directory."""


def _text(values: frozenset[str]) -> str:
    return " or ".join(sorted(v.replace("_", " ") for v in values))


def refusal(
    member: MemberView, permission: Permission, extra_roles: frozenset[str] = frozenset()
) -> str | None:
    """Why an active member may not have ``permission`` (None: they may). Pure: the matrix test
    calls it for every role x discipline x agency type."""
    rule = PERMISSIONS[permission]
    if rule.roles is not None:
        allowed = rule.roles | extra_roles
        if not (member.roles & allowed or member.discipline in rule.or_disciplines):
            return f"You need the {_text(allowed)} role to {permission.value}."
    if rule.disciplines is not None and member.discipline not in rule.disciplines:
        return f"Only {_text(rule.disciplines)} members may {permission.value}."
    if rule.agency_types is not None and member.agency_type not in rule.agency_types:
        return f"Only members of {_text(rule.agency_types)} agencies may {permission.value}."
    return None


def check(
    member: MemberView | None, permission: Permission, *, extra_roles: frozenset[str] = frozenset()
) -> MemberView:
    """Return the member if allowed, else raise ``PermissionDenied`` with a message for them.

    ``extra_roles`` widens a grant by configuration (``CONFIGURABLE_ROLES``), never narrows it."""
    if member is None or not member.active:
        raise NotInDirectory(
            permission,
            "You are not in this task force's directory, so I can't act on that. "
            "Ask the task force coordinator to add you.",
        )
    reason = refusal(member, permission, extra_roles)
    if reason is not None:
        raise PermissionDenied(permission, reason)
    return member


def configured_roles(permission: Permission, settings: Any) -> frozenset[str]:
    """Extra roles a task force granted ``permission`` in its config (``settings(section)``)."""
    found = CONFIGURABLE_ROLES.get(permission)
    if found is None:
        return frozenset()
    section, attribute, role = found
    try:
        enabled = bool(getattr(settings(section), attribute, False))
    except KeyError:
        enabled = False
    return frozenset({role}) if enabled else frozenset()


def action_allowed(member: MemberView, key: str, extra_roles: frozenset[str] = frozenset()) -> bool:
    """The table's answer for an active member and an action key (ownership aside)."""
    return refusal(member, ACTIONS[key].permission, extra_roles) is None


def command_action(name: str, args: str, subcommands: tuple[str, ...]) -> str:
    """The action key of a command line: ``tip ack T-1`` -> ``tip ack``; ``operation team OP-1 add
    dan`` -> ``operation team add``; a first word that is no subcommand -> the command itself."""
    words = args.lower().split()
    if not words or words[0] not in subcommands:
        return name
    if len(words) >= 3 and f"{words[0]} {words[2]}" in subcommands:
        return f"{name} {words[0]} {words[2]}"
    return f"{name} {words[0]}"


def authorize(member: MemberView | None, key: str, settings: Any) -> None:
    """The gate ``App`` runs before every command, button and form handler.

    An action without a row is refused. Actions open to every member let people outside the
    directory through to the handler, which refuses them itself (reading the same table) after
    any clean-up it owes them (a tip typed in a channel is removed first)."""
    action = ACTIONS.get(key)
    if action is None:
        raise PermissionDenied(Permission.USE_BOT, "That action is not available.")
    rule = PERMISSIONS[action.permission]
    if member is None or not member.active:
        if rule.roles is None and rule.disciplines is None and rule.agency_types is None:
            return
    try:
        check(member, action.permission, extra_roles=configured_roles(action.permission, settings))
    except PermissionDenied as denied:
        if not action.note:
            raise
        raise type(denied)(denied.permission, f"{denied.reason} {action.note}") from None


def markdown_table() -> str:
    """The table as docs/roles.md shows it (a test keeps the two identical)."""

    def fmt(values: frozenset[str] | None) -> str:
        return "any" if values is None else ", ".join(sorted(values))

    lines = [
        "| action | needs | roles | disciplines | agency types | ownership |",
        "|---|---|---|---|---|---|",
    ]
    for key, action in ACTIONS.items():
        rule = PERMISSIONS[action.permission]
        roles = "every member" if rule.roles is None else fmt(rule.roles)
        if rule.or_disciplines:
            roles += f" (or discipline {fmt(rule.or_disciplines)})"
        lines.append(
            f"| `{key}` | {action.permission.value} | {roles} | {fmt(rule.disciplines)} | "
            f"{fmt(rule.agency_types)} | {action.owner or '-'} |"
        )
    return "\n".join(lines)
