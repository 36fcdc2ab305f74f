"""Least privilege by role: the one permission check every handler uses.

``Context.require(Permission.X)`` calls ``check`` below; a refusal raises ``PermissionDenied``, which
the app turns into a clear private message to the member and an audit row. Nothing else in the
code base decides who may do what.
"""

from __future__ import annotations

import enum

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


# Which roles grant a permission. ``None`` means every active directory member.
# Why each rule: tips are read by the single point person (and backup) only (guide: one point
# person "to evaluate and disseminate"); operation leads are law enforcement; operation details
# are visible to law enforcement and prosecutors only (need to know) — and of those, only to the
# operation's team (checked in handlers/operations.py after this permission); NGO contacts receive
# the whitelisted notice and nothing else.
ROLE_GRANTS: dict[Permission, frozenset[str] | None] = {
    Permission.USE_BOT: None,
    Permission.SUBMIT_TIP: None,
    Permission.HANDLE_TIPS: frozenset({"point_person", "backup_point_person"}),
    Permission.VIEW_CASES: frozenset({"point_person", "backup_point_person", "core_team", "admin"}),
    Permission.MANAGE_OPERATIONS: frozenset({"operation_lead"}),
    Permission.VIEW_OPERATION_DETAILS: frozenset({"operation_lead"}),
    Permission.RECEIVE_OPERATION_NOTICES: frozenset({"ngo_contact"}),
    Permission.MANAGE_RELEASES: None,
    Permission.CHECK_RELEASES: None,
    Permission.ADMIN: frozenset({"admin"}),
    Permission.REVIEW_PII_REPORTS: frozenset({"admin"}),
}

# Disciplines that may additionally hold a permission, or must have one to use it.
DISCIPLINE_GRANTS: dict[Permission, frozenset[str]] = {
    Permission.VIEW_OPERATION_DETAILS: frozenset({"law_enforcement", "prosecutor"}),
}
DISCIPLINE_REQUIRED: dict[Permission, frozenset[str]] = {
    # An operation lead must be law enforcement even if someone grants the role by mistake.
    Permission.MANAGE_OPERATIONS: frozenset({"law_enforcement"}),
}


class PermissionDenied(Exception):
    """Raised when a member may not do something; the message is safe to show them."""

    def __init__(self, permission: Permission, reason: str) -> None:
        self.permission = permission
        self.reason = reason
        super().__init__(reason)


class NotInDirectory(PermissionDenied):
    """The person is not (or no longer) an active member of the task-force directory."""


def _roles_text(roles: frozenset[str]) -> str:
    return " or ".join(sorted(r.replace("_", " ") for r in roles))


def check(
    member: MemberView | None, permission: Permission, *, extra_roles: frozenset[str] = frozenset()
) -> MemberView:
    """Return the member if allowed, else raise ``PermissionDenied`` with a message for them.

    ``extra_roles`` widens a grant by configuration (e.g. admins reading tips when the task force
    chose that), never narrows it.
    """
    if member is None or not member.active:
        raise NotInDirectory(
            permission,
            "You are not in this task force's directory, so I can't act on that. "
            "Ask the task force coordinator to add you.",
        )
    required = DISCIPLINE_REQUIRED.get(permission)
    if required is not None and member.discipline not in required:
        raise PermissionDenied(permission, f"Only {_roles_text(required)} members may {permission.value}.")
    grants = ROLE_GRANTS[permission]
    if grants is None:
        return member
    allowed = grants | extra_roles
    if member.roles & allowed:
        return member
    if member.discipline in DISCIPLINE_GRANTS.get(permission, frozenset()):
        return member
    raise PermissionDenied(permission, f"You need the {_roles_text(allowed)} role to {permission.value}.")
