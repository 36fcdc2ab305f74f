"""The per-event directory lookups (plain rows) give exactly the views the ORM entities give."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update

from bot.app import seed_directory
from bot.config import parse_config
from storage import directory
from storage.db import Database
from storage.models import Channel, ChannelIdentity, Member, MemberIdentity, RoleAssignment
from tests.harness import Harness, demo_data


def test_lookups_by_identity_match_the_entities(database_url: str) -> None:
    db = Database(database_url)
    db.upgrade()
    with db.session() as s:
        seed_directory(s, parse_config(demo_data()))
    with db.session() as s:
        # A member with a second identity, a deactivated member (roles removed: never found) and a
        # channel with a second identity, so every part of the views is compared.
        members = list(s.execute(select(Member).order_by(Member.id)).scalars())
        members[0].identities.append(MemberIdentity(platform="matrix", external_id="@first:example.org"))
        # ... and two roles more than it had (identities x roles rows are folded back correctly).
        extra = [
            role
            for role in ("admin", "auditor", "coordinator_delegate")
            if role not in {r.role for r in members[0].roles}
        ]
        members[0].roles.extend(RoleAssignment(role=role) for role in extra[:2])
        leaver = [m for m in members[1:] if m.roles][-1]
        directory.deactivate_member(s, leaver.handle)
        channel = s.execute(select(Channel).order_by(Channel.id)).scalars().first()
        assert channel is not None
        channel.identities.append(ChannelIdentity(platform="matrix", external_id="!room:example.org"))
    compared = 0
    with db.session() as s:
        first = s.execute(select(Member).order_by(Member.id)).scalars().first()
        assert first is not None and len(first.identities) >= 2 and len(first.roles) >= 2
        for member in s.execute(select(Member)).scalars():
            for identity in member.identities:
                view = directory.member_by_identity(s, identity.platform, identity.external_id)
                assert view == (directory._member_view(member) if member.active else None)
                compared += 1
        for ch in s.execute(select(Channel)).scalars():
            for identity in ch.identities:
                view = directory.channel_by_identity(s, identity.platform, identity.external_id)
                assert view == directory._channel_view(ch)
                compared += 1
        assert directory.member_by_identity(s, "slack", "U-nobody") is None
        assert directory.channel_by_identity(s, "slack", "C-nowhere") is None
    assert compared > 10
    db.dispose()


async def test_a_role_or_membership_taken_away_elsewhere_is_refused_at_the_very_next_command(
    database_url: str, tmp_path: Path
) -> None:
    """Least privilege never acts on a stale directory: the acting member is read afresh for every
    event, so a role revoked or a member deactivated by another process (a replica, ``needtoknow
    directory sync``, an operator's SQL) is refused at their next command, with no delay."""
    h = Harness.create(tmp_path, database_url=database_url)
    await h.command("omar", "/admin members", channel="dm")
    assert "hana: Hana Kowalski" in h.platform.dms("omar")[-1]
    await h.command("nina", "/preview call 312-555-0199 tonight", channel="dm")
    assert "I found" in h.platform.dms("nina")[-1]
    other = Database(database_url)  # another process's connection to the same database
    with other.session() as s:
        omar = s.execute(select(Member).where(Member.handle == "omar")).scalar_one()
        s.execute(
            delete(RoleAssignment).where(RoleAssignment.member_id == omar.id, RoleAssignment.role == "admin")
        )
        s.execute(update(Member).where(Member.handle == "nina").values(active=False))
    other.dispose()
    await h.command("omar", "/admin members", channel="dm")
    assert "You need the admin role" in h.platform.dms("omar")[-1]
    await h.command("nina", "/preview call 312-555-0199 tonight", channel="dm")
    assert "You are not in this task force's directory" in h.platform.dms("nina")[-1]
    denied = [r.actor for r in h.audit_rows() if r.action == "permission.denied"]
    assert denied[-2:] == ["member:omar", "unknown:console"]
    await h.close()
