"""Least privilege by role: the one permission check every handler uses.

``Context.require(Permission.X)`` calls ``check``; a refusal raises ``PermissionDenied``, which the
app turns into a clear private message to the member and an audit row. The rules themselves are
the policy table in ``handlers/policy.py`` (this module keeps the names handlers import).
"""

from __future__ import annotations

from handlers.policy import (
    ACTIONS,
    PERMISSIONS,
    NotInDirectory,
    Permission,
    PermissionDenied,
    Rule,
    check,
)

# Disciplines that see operation details (the team is checked by handlers/operations.py).
TEAM_DISCIPLINES = PERMISSIONS[Permission.VIEW_OPERATION_DETAILS].disciplines or frozenset()
TEAM_AGENCY_TYPES = PERMISSIONS[Permission.VIEW_OPERATION_DETAILS].agency_types or frozenset()

__all__ = [
    "ACTIONS",
    "PERMISSIONS",
    "TEAM_AGENCY_TYPES",
    "TEAM_DISCIPLINES",
    "NotInDirectory",
    "Permission",
    "PermissionDenied",
    "Rule",
    "check",
]
