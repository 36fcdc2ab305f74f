"""The per-event directory lookups (plain rows) give exactly the views the ORM entities give."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import seed_directory
from bot.config import parse_config
from storage import directory
from storage.db import Database
from storage.models import Channel, ChannelIdentity, Member, MemberIdentity, RoleAssignment
from tests.harness import demo_data


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
        extra = [role for role in ("admin", "auditor", "coordinator_delegate") if role not in {r.role for r in members[0].roles}]
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
