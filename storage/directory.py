"""The task-force directory: agencies, members, their platform identities and roles, channels.

Seeded from the config the first time (and by ``needtoknow directory sync``), changed by admin
commands afterwards. Functions take the caller's session; results are plain frozen views so they
can be used after the session closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from storage.models import (
    Agency,
    Channel,
    ChannelIdentity,
    IdentityChangeRequest,
    Member,
    MemberIdentity,
    RoleAssignment,
)
from storage.plain import Plain

_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_AGENCIES: Table = Agency.__table__  # type: ignore[assignment]
_MEMBER_IDS: Table = MemberIdentity.__table__  # type: ignore[assignment]
_ROLES: Table = RoleAssignment.__table__  # type: ignore[assignment]
_CHANNELS: Table = Channel.__table__  # type: ignore[assignment]
_CHANNEL_IDS: Table = ChannelIdentity.__table__  # type: ignore[assignment]


def _member_by_identity_statement() -> Any:
    m, a, i, every, r = _MEMBERS, _AGENCIES, _MEMBER_IDS, _MEMBER_IDS.alias("every_identity"), _ROLES
    return (
        select(
            m.c.id,
            m.c.handle,
            m.c.display_name,
            m.c.discipline,
            m.c.active,
            a.c.id,
            a.c.key,
            a.c.name,
            a.c.kind,
            every.c.platform,
            every.c.external_id,
            r.c.role,
        )
        .select_from(
            i.join(m, m.c.id == i.c.member_id)
            .join(a, a.c.id == m.c.agency_id)
            .join(every, every.c.member_id == m.c.id)
            .outerjoin(r, r.c.member_id == m.c.id)
        )
        .where(i.c.platform == bindparam("platform"), i.c.external_id == bindparam("external_id"))
    )


def _channel_by_identity_statement() -> Any:
    c, i, every = _CHANNELS, _CHANNEL_IDS, _CHANNEL_IDS.alias("every_identity")
    return (
        select(c.c.id, c.c.name, c.c.pii_policy, c.c.agreement, every.c.platform, every.c.external_id)
        .select_from(i.join(c, c.c.id == i.c.channel_id).join(every, every.c.channel_id == c.c.id))
        .where(i.c.platform == bindparam("platform"), i.c.external_id == bindparam("external_id"))
    )


# The per-event lookups, built once: building them per call (an alias, its column proxies, the
# select and its cache key) cost more CPU than running them (profiled under 50 concurrent /preview);
# run on SQLite's driver connection (``storage.plain``).
_MEMBER_BY_IDENTITY = Plain(_member_by_identity_statement())
_CHANNEL_BY_IDENTITY = Plain(_channel_by_identity_statement())

# Older agency type names (first releases) and their current names; see bot/config.py.
_LEGACY_TYPES = {"ngo": "victim_services", "healthcare": "health", "coordination": "other"}


def agency_type_name(kind: str) -> str:
    return _LEGACY_TYPES.get(kind, kind)


@dataclass(frozen=True)
class AgencyView:
    id: int
    key: str
    name: str
    kind: str  # the agency type: law_enforcement, prosecution, victim_services, health, legal, other

    @property
    def type(self) -> str:
        return self.kind


@dataclass(frozen=True)
class MemberView:
    """A directory member as handlers see them."""

    id: int
    handle: str
    display_name: str
    discipline: str
    agency: AgencyView
    roles: frozenset[str]
    identities: tuple[tuple[str, str], ...]  # (platform, external id)
    active: bool = True

    @property
    def agency_type(self) -> str:
        return self.agency.kind

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def identity(self, platform: str) -> str | None:
        for p, ext in self.identities:
            if p == platform:
                return ext
        return None

    @property
    def actor(self) -> str:
        """How this member appears in audit rows (a handle, never a platform id)."""
        return f"member:{self.handle}"


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    pii_policy: str
    agreement: str | None
    identities: tuple[tuple[str, str], ...]

    def identity(self, platform: str) -> str | None:
        for p, ext in self.identities:
            if p == platform:
                return ext
        return None


def _agency_view(a: Agency) -> AgencyView:
    return AgencyView(a.id, a.key, a.name, agency_type_name(a.kind))


def _member_view(m: Member) -> MemberView:
    return MemberView(
        id=m.id,
        handle=m.handle,
        display_name=m.display_name,
        discipline=m.discipline,
        agency=_agency_view(m.agency),
        roles=frozenset(r.role for r in m.roles),
        identities=tuple(sorted((i.platform, i.external_id) for i in m.identities)),
        active=m.active,
    )


def _channel_view(c: Channel) -> ChannelView:
    return ChannelView(
        c.id,
        c.name,
        c.pii_policy,
        c.agreement,
        tuple(sorted((i.platform, i.external_id) for i in c.identities)),
    )


def _member_row(session: Session, handle: str) -> Member | None:
    return session.execute(select(Member).where(Member.handle == handle)).unique().scalar_one_or_none()


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count(Member.id))).scalar_one() == 0


def upsert_agency(session: Session, key: str, name: str, kind: str) -> Agency:
    kind = agency_type_name(kind)
    agency = session.execute(select(Agency).where(Agency.key == key)).scalar_one_or_none()
    if agency is None:
        agency = Agency(key=key, name=name, kind=kind)
        session.add(agency)
    else:
        agency.name, agency.kind = name, kind
    session.flush()
    return agency


def upsert_member(
    session: Session,
    *,
    handle: str,
    display_name: str,
    agency_key: str,
    discipline: str,
    roles: Iterable[str],
    identities: Iterable[tuple[str, str]],
) -> Member:
    agency = session.execute(select(Agency).where(Agency.key == agency_key)).scalar_one()
    member = _member_row(session, handle)
    if member is None:
        member = Member(handle=handle, display_name=display_name, agency=agency, discipline=discipline)
        session.add(member)
        session.flush()
    else:
        member.display_name, member.agency, member.discipline = display_name, agency, discipline
    wanted = set(identities)
    for ident in list(member.identities):
        if (ident.platform, ident.external_id) not in wanted:
            member.identities.remove(ident)
    have = {(i.platform, i.external_id) for i in member.identities}
    for platform, ext in sorted(wanted - have):
        member.identities.append(MemberIdentity(platform=platform, external_id=ext))
    set_roles(session, member, roles)
    session.flush()
    return member


def set_roles(session: Session, member: Member, roles: Iterable[str]) -> None:
    wanted = set(roles)
    for ra in list(member.roles):
        if ra.role not in wanted:
            member.roles.remove(ra)
    session.flush()
    have = {r.role for r in member.roles}
    for role in sorted(wanted - have):
        member.roles.append(RoleAssignment(role=role))
    session.flush()


def upsert_channel(
    session: Session,
    *,
    name: str,
    pii_policy: str,
    agreement: str | None,
    identities: Iterable[tuple[str, str]],
) -> Channel:
    channel = session.execute(select(Channel).where(Channel.name == name)).scalar_one_or_none()
    if channel is None:
        channel = Channel(name=name, pii_policy=pii_policy, agreement=agreement)
        session.add(channel)
        session.flush()
    else:
        channel.pii_policy, channel.agreement = pii_policy, agreement
    have = {(i.platform, i.external_id) for i in channel.identities}
    for platform, ext in sorted(set(identities) - have):
        channel.identities.append(ChannelIdentity(platform=platform, external_id=ext))
    session.flush()
    return channel


def _plain(session: Session | Connection) -> Connection:
    """The connection under a session: a plain-row statement run on it skips the ORM's execution
    path (about as much CPU as the statement itself). Pending changes are flushed first, as the
    session's autoflush would, so the lookup sees them."""
    if not isinstance(session, Session):
        return session
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def member_by_identity(session: Session | Connection, platform: str, external_id: str) -> MemberView | None:
    """The active member with this platform identity, else None.

    Looked up for every event, so it is one plain-row statement (no ORM objects): the member and
    agency joined with every identity and role of the member (a handful of rows). Loading the
    ``Member`` entity with its eager relationships took three statements and about three times the
    CPU."""
    rows = _MEMBER_BY_IDENTITY.rows(_plain(session), {"platform": platform, "external_id": external_id})
    if not rows or not rows[0][4]:
        return None
    row = rows[0]
    return MemberView(
        id=row[0],
        handle=row[1],
        display_name=row[2],
        discipline=row[3],
        agency=AgencyView(row[5], row[6], row[7], agency_type_name(row[8])),
        roles=frozenset(x[11] for x in rows if x[11] is not None),
        identities=tuple(sorted({(x[9], x[10]) for x in rows})),
        active=bool(row[4]),
    )


def member_by_handle(session: Session, handle: str) -> MemberView | None:
    member = _member_row(session, handle.lstrip("@"))
    return _member_view(member) if member is not None else None


def members_with_role(session: Session, role: str) -> list[MemberView]:
    rows = (
        session.execute(
            select(Member)
            .join(RoleAssignment)
            .where(RoleAssignment.role == role, Member.active.is_(True))
            .order_by(Member.handle)
        )
        .unique()
        .scalars()
    )
    return [_member_view(m) for m in rows]


def members_of_agency(session: Session, agency_key: str) -> list[MemberView]:
    rows = (
        session.execute(
            select(Member)
            .join(Agency)
            .where(Agency.key == agency_key, Member.active.is_(True))
            .order_by(Member.handle)
        )
        .unique()
        .scalars()
    )
    return [_member_view(m) for m in rows]


def all_members(session: Session) -> list[MemberView]:
    return [
        _member_view(m) for m in session.execute(select(Member).order_by(Member.handle)).unique().scalars()
    ]


def agency_by_key(session: Session, key: str) -> AgencyView | None:
    agency = session.execute(select(Agency).where(func.lower(Agency.key) == key.lower())).scalar_one_or_none()
    return _agency_view(agency) if agency is not None else None


def all_agencies(session: Session) -> list[AgencyView]:
    return [_agency_view(a) for a in session.execute(select(Agency).order_by(Agency.key)).scalars()]


def channel_by_identity(session: Session | Connection, platform: str, external_id: str) -> ChannelView | None:
    """The directory channel with this platform identity: one plain-row statement (no ORM objects;
    looked up for every message the PII guard scans)."""
    rows = _CHANNEL_BY_IDENTITY.rows(_plain(session), {"platform": platform, "external_id": external_id})
    if not rows:
        return None
    first = rows[0]
    return ChannelView(first[0], first[1], first[2], first[3], tuple(sorted({(x[4], x[5]) for x in rows})))


def channel_by_name(session: Session, name: str) -> ChannelView | None:
    channel = (
        session.execute(select(Channel).where(Channel.name == name.lstrip("#"))).unique().scalar_one_or_none()
    )
    return _channel_view(channel) if channel is not None else None


def all_channels(session: Session) -> list[ChannelView]:
    return [
        _channel_view(c) for c in session.execute(select(Channel).order_by(Channel.name)).unique().scalars()
    ]


def set_channel_policy(session: Session, name: str, policy: str) -> bool:
    channel = (
        session.execute(select(Channel).where(Channel.name == name.lstrip("#"))).unique().scalar_one_or_none()
    )
    if channel is None:
        return False
    channel.pii_policy = policy
    return True


def grant_role(session: Session, handle: str, role: str) -> list[str] | None:
    """Give ``role``; None when there is no such member. For the single point person (and backup)
    the role is first taken from whoever holds it: the handles it was taken from are returned so
    the caller tells them (a handover is never silent)."""
    member = _member_row(session, handle)
    if member is None:
        return None
    previous: list[str] = []
    if role in ("point_person", "backup_point_person"):
        holders = session.execute(
            select(Member.handle)
            .join(RoleAssignment)
            .where(RoleAssignment.role == role, Member.id != member.id)
        ).scalars()
        previous = sorted(set(holders))
        session.execute(
            delete(RoleAssignment).where(RoleAssignment.role == role, RoleAssignment.member_id != member.id)
        )
        session.flush()
        session.refresh(member)
    if role not in {r.role for r in member.roles}:
        member.roles.append(RoleAssignment(role=role))
    session.flush()
    return previous


def deactivate_member(session: Session, handle: str) -> list[str] | None:
    """A member who left: the bot stops acting for them and their roles go (a departed point person
    must not keep receiving tips). Returns the roles removed (None: no such member). Their audit
    history stays. Team places and queued messages are handled by ``handlers/directory.py``."""
    member = _member_row(session, handle)
    if member is None:
        return None
    removed = sorted(r.role for r in member.roles)
    member.active = False
    member.roles.clear()
    session.flush()
    return removed


def change_identity(
    session: Session,
    handle: str,
    *,
    discipline: str | None = None,
    agency_key: str | None = None,
    identities: dict[str, str] | None = None,
) -> list[str]:
    """Apply an approved identity change. Every role was granted to the old identity, so every role
    is dropped (returned, sorted) and has to be granted again to the new one."""
    member = _member_row(session, handle)
    if member is None:
        raise LookupError(handle)
    if discipline is not None:
        member.discipline = discipline
    if agency_key is not None:
        member.agency = session.execute(select(Agency).where(Agency.key == agency_key)).scalar_one()
    for platform, ext in (identities or {}).items():
        for ident in list(member.identities):
            if ident.platform == platform:
                member.identities.remove(ident)
        session.flush()
        if ext:
            member.identities.append(MemberIdentity(platform=platform, external_id=ext))
    dropped = sorted(r.role for r in member.roles)
    member.roles.clear()
    session.flush()
    return dropped


# -- identity change requests (second admin approves) ----------------------------------------------
def request_identity_change(
    session: Session, member_id: int, requested_by_id: int, changes: dict[str, str], now: Any, expires: Any
) -> IdentityChangeRequest:
    req = IdentityChangeRequest(
        member_id=member_id,
        requested_by_id=requested_by_id,
        changes=dict(changes),
        status="pending",
        created_at=now,
        expires_at=expires,
    )
    session.add(req)
    session.flush()
    return req


def identity_request(session: Session, request_id: int) -> IdentityChangeRequest | None:
    return session.get(IdentityChangeRequest, request_id)


def pending_identity_requests(session: Session) -> list[IdentityChangeRequest]:
    return list(
        session.execute(
            select(IdentityChangeRequest)
            .where(IdentityChangeRequest.status == "pending")
            .order_by(IdentityChangeRequest.id)
        ).scalars()
    )


def member_by_id(session: Session, member_id: int) -> MemberView | None:
    member = session.get(Member, member_id)
    return _member_view(member) if member is not None else None


def reactivate_member(session: Session, handle: str) -> None:
    member = _member_row(session, handle)
    if member is not None:
        member.active = True


def revoke_role(session: Session, handle: str, role: str) -> bool:
    member = _member_row(session, handle)
    if member is None:
        return False
    for ra in list(member.roles):
        if ra.role == role:
            member.roles.remove(ra)
    session.flush()
    return True


def names_for_allow_list(session: Session) -> Sequence[str]:
    """Members' and agencies' names: never flagged as PII (they are staff and organisations).

    First names are included because colleagues call each other by them ("ask Nina"); the cost is
    that a victim who shares a staff member's first name alone is not flagged by name (a full name,
    phone or address still is)."""
    names: list[str] = []
    for m in session.execute(select(Member)).unique().scalars():
        names.append(m.display_name)
        names.append(m.handle)
        first = m.display_name.split()[0] if m.display_name.split() else ""
        if len(first) > 2:
            names.append(first)
    for a in session.execute(select(Agency)).scalars():
        names += [a.name, a.key]
    return names
