"""Releases of information: recording, checks, revocation, renewal and exactly-once reminders.

The demo task force is in America/Chicago; the harness starts on Monday 2026-03-02 09:00 local
(15:00 UTC). Daylight saving starts on 2026-03-08, so reminders after that are at 14:00 UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from handlers.releases import ReleaseSettings
from storage.models import Counter, OutboxMessage, ScheduledItem
from storage.releases import ReleaseOfInformation
from tests.harness import Harness

NOTICE = "Release R-1 (client C-1187) is no longer valid; stop sharing under it."
LINE = (
    "/release new client=C-1187 agency=hsi categories=contact_information,case_details "
    'purpose="coordination of care for the T-visa application" signed=2026-03-01 expires={expires}'
)


@pytest.fixture(scope="session")
def redactor() -> Iterator[Any]:
    """One loaded PII engine for the whole session (spaCy takes seconds to load)."""
    from redaction import Redactor

    yield Redactor()


def make(tmp_path: Path, redactor: Any, **kw: Any) -> Harness:
    return Harness.create(tmp_path, redactor=redactor, **kw)


async def record(h: Harness, expires: str = "2026-04-15", who: str = "nina", line: str = LINE) -> None:
    await h.command(who, line.format(expires=expires), channel="dm")


def releases(h: Harness) -> list[ReleaseOfInformation]:
    with h.app.services.db.session() as s:
        return list(s.execute(select(ReleaseOfInformation).order_by(ReleaseOfInformation.id)).scalars())


def items(h: Harness) -> dict[str, tuple[str, datetime]]:
    with h.app.services.db.session() as s:
        return {i.key: (i.status, i.due_at) for i in s.execute(select(ScheduledItem)).scalars()}


def nothing_stored(h: Harness) -> bool:
    with h.app.services.db.session() as s:
        counts = [
            s.execute(select(func.count()).select_from(ReleaseOfInformation)).scalar_one(),
            s.execute(select(func.count()).select_from(ScheduledItem)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
            s.execute(
                select(func.count()).select_from(Counter).where(Counter.name == "release")
            ).scalar_one(),
        ]
    return counts == [0, 0, 0, 0]


async def at(h: Harness, when: datetime) -> None:
    h.clock.set(when)
    await h.tick()


# -- recording ---------------------------------------------------------------------------------


async def test_one_line_release_is_stored_encrypted_with_its_reminders_planned(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    reply = h.platform.dms("nina")[-1]
    assert reply.startswith(
        "Recorded release R-1: Safe Haven Services may share contact information, case details"
    )
    (r,) = releases(h)
    assert (r.client_ref, r.categories, r.expires_on.isoformat()) == (
        "C-1187",
        ["contact_information", "case_details"],
        "2026-04-15",
    )
    assert r.expires_at == datetime(2026, 4, 16, 5, 0, tzinfo=UTC)  # local midnight after the last day
    with h.app.services.db.session() as s:
        raw = s.execute(text("SELECT client_ref, purpose, client_hash FROM releases")).one()
    assert "C-1187" not in raw[0] and "T-visa" not in raw[1] and raw[0].startswith("v1:")
    assert "1187" not in raw[2]
    planned = items(h)
    assert planned == {
        "release:1:remind:14": ("pending", datetime(2026, 4, 1, 14, 0, tzinfo=UTC)),
        "release:1:remind:3": ("pending", datetime(2026, 4, 12, 14, 0, tzinfo=UTC)),
        "release:1:remind:0": ("pending", datetime(2026, 4, 15, 14, 0, tzinfo=UTC)),
        "release:1:expired": ("pending", datetime(2026, 4, 16, 5, 0, tzinfo=UTC)),
    }
    rows = h.audit_rows()
    assert [(a.action, a.target) for a in rows] == [("release.recorded", "R-1")]
    assert "1187" not in str(rows[0].detail)
    await h.close()


async def test_release_form_opens_and_records_on_submit(tmp_path: Path, redactor: Any) -> None:
    h = make(tmp_path, redactor)
    await h.command("nina", "/release new")
    assert "nina" in h.platform.pending_forms
    errors = await h.fill(
        "nina",
        {
            "client": "c-2040",
            "agency": "clinic",
            "categories": ["medical", "contact_information"],
            "scope": "last appointment date only",
            "purpose": "coordination of care",
            "signed": "2026-03-02",
            "expires": "2026-05-31",
        },
    )
    assert errors is None
    (r,) = releases(h)
    assert (r.client_ref, r.scope, r.purpose) == (
        "C-2040",
        "last appointment date only",
        "coordination of care",
    )
    assert "Recorded release R-1" in h.platform.ephemerals("nina")[-1]
    await h.close()


@pytest.mark.parametrize(
    "client, kind",
    [
        ("Maria Lopez", "a person's name"),
        ("555-123-4567", "a phone number"),
        ("12 Main St", "an address"),
        ("maria@example.org", "an email address"),
    ],
)
async def test_pii_typed_as_client_reference_is_refused_without_echo_and_nothing_stored(
    tmp_path: Path, redactor: Any, client: str, kind: str
) -> None:
    h = make(tmp_path, redactor)
    await h.command("nina", "/release new")
    errors = await h.fill(
        "nina",
        {
            "client": client,
            "agency": "hsi",
            "categories": ["case_details"],
            "purpose": "prosecution",
            "signed": "2026-03-01",
            "expires": "2026-04-01",
        },
    )
    # The form was valid as a form; the handler refused the field, so the member re-answers just it.
    assert errors is not None and list(errors) == ["client"]
    message = errors["client"]
    assert f"it looks like {kind}" in message and "Nothing was stored" in message
    for word in client.replace("@", " ").replace("-", " ").split():
        assert word not in message
    assert nothing_stored(h)
    denied = [a for a in h.audit_rows() if a.action.startswith("release.")]
    assert denied == []
    await h.close()


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=2026-03-01 expires=2026-02-20",
            "the expiry date must be after the signing date",
        ),
        (
            "client=C-1 agency=fbi categories=medical purpose=x signed=2026-03-01 expires=2026-04-01",
            "Receiving agency: choose one of clinic, hsi, legalaid, rpd, tfc, usao",
        ),
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=2026-03-01 expires=2026-13-01",
            "Expires on (last valid day) must be a date like 2026-03-31",
        ),
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=yesterday expires=2026-04-01",
            "Signed on must be a date like",
        ),
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=2026-03-01 expires=2026-06-30",
            "at most 90 days from signing",
        ),
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=2026-01-01 expires=2026-02-01",
            "the expiry date is already in the past",
        ),
        (
            "client=C-1 agency=hsi categories=medical purpose=x signed=2026-04-01 expires=2026-05-01",
            "the signing date is in the future",
        ),
        (
            "client=C-1 agency=hsi categories=gossip purpose=x signed=2026-03-01 expires=2026-04-01",
            "Categories of information: choose one of service_participation",
        ),
        (
            "client=C-1 agency=hsi categories=medical signed=2026-03-01 expires=2026-04-01",
            "Purpose is required",
        ),
        (
            "client=CASEFILE-ABC agency=hsi categories=medical purpose=x signed=2026-03-01 expires=2026-04-01",
            "not a client reference in the task force's format",
        ),
        (
            "client=C-1 agency=haven categories=medical purpose=x signed=2026-03-01 expires=2026-04-01",
            "Receiving agency: choose one of",
        ),
        (
            "client=Maria Lopez agency=hsi categories=medical purpose=x signed=2026-03-01 expires=2026-04-01",
            "put values with spaces in quotes",
        ),
    ],
)
async def test_bad_release_input_gets_a_clear_message_and_stores_nothing(
    tmp_path: Path, redactor: Any, args: str, expected: str
) -> None:
    h = make(tmp_path, redactor)
    await h.command("nina", f"/release new {args}", channel="dm")
    (message,) = h.platform.dms("nina")
    assert expected in message
    assert "nothing was stored" in message.lower()
    assert "Lopez" not in message
    assert nothing_stored(h)
    await h.close()


# -- checks ------------------------------------------------------------------------------------


async def test_check_says_yes_with_categories_expiry_and_purpose_privately(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    await h.command("nina", "/release check c1187 hsi contact_information", channel="core-team")
    removed_note, answer = h.platform.ephemerals("nina")
    assert removed_note.startswith("I removed your command from the channel")
    assert answer.startswith("Yes for contact information — client C1187:")
    assert "R-1: Safe Haven Services → Homeland Security Investigations" in answer
    assert "contact information, case details" in answer
    assert "valid until 2026-04-15 (end of day, America/Chicago)" in answer
    assert "purpose: coordination of care for the T-visa application" in answer
    assert h.platform.channel_posts("core-team") == []
    # The receiving side may ask too (the release is between the two agencies).
    await h.command("alice", "/release check C-1187 haven", channel="dm")
    assert h.platform.dms("alice")[-1].startswith("Yes — client C-1187:")
    checked = [a for a in h.audit_rows() if a.action == "release.checked"]
    assert [(a.actor, a.target, a.detail["result"]) for a in checked] == [
        ("member:nina", "R-1", "yes"),
        ("member:alice", "R-1", "yes"),
    ]
    await h.close()


async def test_check_says_no_and_why_for_every_reason(tmp_path: Path, redactor: Any) -> None:
    h = make(tmp_path, redactor)
    await record(h)  # R-1 to hsi, until 2026-04-15
    await record(h, line=LINE.replace("agency=hsi", "agency=rpd"))  # R-2 to rpd, revoked below
    await h.command("nina", "/release revoke R-2", channel="dm")
    h.clock.set(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))

    async def check(args: str) -> str:
        await h.command("nina", f"/release check {args}", channel="dm")
        return h.platform.dms("nina")[-1]

    assert (await check("C-9999 hsi")).startswith("No — there is no release on record for that client")
    assert (await check("C-1187 hsi medical")) == (
        "No — medical is not covered. The valid release on record (R-1) covers only: "
        "case details, contact information."
    )
    assert (await check("C-1187 rpd")).startswith("No — release R-2 was revoked on 2026-03-02.")
    assert (await check("C-1187 clinic")).startswith("No — there is no release on record")
    await at(h, datetime(2026, 4, 16, 6, 0, tzinfo=UTC))
    assert (await check("C-1187 hsi")).startswith("No — release R-1 expired on 2026-04-15.")
    results = [(a.target, a.detail["result"]) for a in h.audit_rows() if a.action == "release.checked"]
    assert [r for _, r in results] == ["none", "not_covered", "revoked", "none", "expired"]
    assert results[0][0].startswith("client#") and "9999" not in results[0][0]
    assert all("1187" not in str(a.detail) + a.target for a in h.audit_rows())
    await h.close()


async def test_check_refuses_unknown_agency_and_category_listing_valid_ones(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await h.command("nina", "/release check C-1187 fbi", channel="dm")
    await h.command("nina", "/release check C-1187 hsi gossip", channel="dm")
    await h.command("nina", "/release check Maria Lopez hsi", channel="dm")
    unknown_agency, unknown_category, name = h.platform.dms("nina")
    assert unknown_agency == "Unknown agency. Agencies: clinic, hsi, legalaid, rpd, tfc, usao."
    assert unknown_category.startswith("Unknown category. Categories: service_participation,")
    assert "a person's name" in name and "Maria" not in name
    assert [a for a in h.audit_rows() if a.action == "release.checked"] == []
    await h.close()


# -- reminders and notices ----------------------------------------------------------------------


async def test_owner_is_reminded_at_each_offset_and_receiving_agency_told_on_expiry(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    before = len(h.platform.dms("nina"))

    def new_for_nina() -> list[str]:
        return h.platform.dms("nina")[before:]

    await at(h, datetime(2026, 4, 1, 13, 59, tzinfo=UTC))
    assert new_for_nina() == []
    await at(h, datetime(2026, 4, 1, 14, 0, tzinfo=UTC))
    assert len(new_for_nina()) == 1 and "expires in 14 days, on 2026-04-15" in new_for_nina()[0]
    await at(h, datetime(2026, 4, 12, 14, 5, tzinfo=UTC))
    assert len(new_for_nina()) == 2 and "expires in 3 days" in new_for_nina()[1]
    await at(h, datetime(2026, 4, 15, 14, 0, tzinfo=UTC))
    assert len(new_for_nina()) == 3 and "expires today" in new_for_nina()[2]
    assert h.platform.dms("alice") == []
    await at(h, datetime(2026, 4, 16, 4, 59, tzinfo=UTC))
    assert h.platform.dms("alice") == []  # still the last valid day in Chicago
    await at(h, datetime(2026, 4, 16, 5, 0, tzinfo=UTC))
    assert h.platform.dms("alice") == [NOTICE]
    assert "R-1" in new_for_nina()[3] and "has expired" in new_for_nina()[3]
    for later in (1, 5, 30):
        await h.tick(days=later)
    assert h.platform.dms("alice") == [NOTICE] and len(new_for_nina()) == 4
    for other in ("vera", "omar", "dan", "paula", "hana", "leo"):
        assert h.platform.dms(other) == []
    assert [a.target for a in h.audit_rows() if a.action == "release.expired"] == ["R-1"]
    await h.close()


async def test_revocation_is_immediate_cancels_reminders_and_notifies_the_receiving_agency(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    h.clock.set(datetime(2026, 3, 20, 16, 30, tzinfo=UTC))
    await h.command("nina", "/release revoke R-1 verbal", channel="dm")
    assert h.platform.dms("nina")[-1].startswith(
        "R-1 is revoked as of 2026-03-20 11:30 (America/Chicago), recorded by Nina Sato as a verbal withdrawal."
    )
    await h.app.drain()
    assert h.platform.dms("alice") == [NOTICE]
    (r,) = releases(h)
    assert (r.status, r.revoked_verbally, r.revoked_at) == (
        "revoked",
        True,
        datetime(2026, 3, 20, 16, 30, tzinfo=UTC),
    )
    assert {status for status, _ in items(h).values()} == {"cancelled"}
    count = len(h.platform.dms("nina"))
    for _ in range(40):
        await h.tick(days=1)
    assert len(h.platform.dms("nina")) == count
    assert h.platform.dms("alice") == [NOTICE]
    await h.command("nina", "/release revoke R-1", channel="dm")
    assert "already revoked on 2026-03-20" in h.platform.dms("nina")[-1]
    revoked = [a for a in h.audit_rows() if a.action == "release.revoked"]
    assert [(a.actor, a.target, a.detail) for a in revoked] == [
        ("member:nina", "R-1", {"verbal": True, "cancelled": 4, "notified": 1})
    ]
    await h.close()


async def test_only_the_releasing_agency_or_an_admin_may_revoke_renew_or_list(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    for line in ("/release revoke R-1", "/release renew R-1 2026-05-01"):
        await h.command("alice", line, channel="dm")
        assert h.platform.dms("alice")[-1].startswith(
            "No release with that reference belongs to your agency."
        )
    await h.command("alice", "/release list", channel="dm")
    assert h.platform.dms("alice")[-1] == "Homeland Security Investigations has no releases on record."
    await h.command("alice", "/release list haven", channel="dm")
    assert "admin role" in h.platform.dms("alice")[-1]
    await h.command("mallory", "/release revoke R-1", channel="dm")
    assert "not in this task force's directory" in h.platform.dms("mallory")[-1]
    assert releases(h)[0].status == "active"
    assert h.platform.dms("alice") and NOTICE not in h.platform.dms("alice")
    await h.command("omar", "/release list haven", channel="dm")
    assert "R-1 — client C-1187 → hsi" in h.platform.dms("omar")[-1]
    await h.command("omar", "/release revoke R-1", channel="dm")
    await h.app.drain()
    assert releases(h)[0].status == "revoked"
    assert h.platform.dms("alice")[-1] == NOTICE
    assert "was revoked by Omar Haddad" in h.platform.dms("nina")[-1]  # the owner hears of it
    await h.close()


async def test_list_shows_active_expiring_expired_revoked_and_renewed(tmp_path: Path, redactor: Any) -> None:
    h = make(tmp_path, redactor)
    await record(h, expires="2026-05-20")  # R-1 active
    await record(h, expires="2026-03-10")  # R-2 expiring
    await record(h, expires="2026-03-05")  # R-3 expires before the list
    await record(h, expires="2026-05-01")  # R-4 revoked
    await record(h, expires="2026-05-02")  # R-5 renewed as R-6
    await h.command("nina", "/release revoke R-4", channel="dm")
    await h.command("nina", "/release renew R-5 2026-05-25", channel="dm")
    h.clock.set(datetime(2026, 3, 7, 15, 0, tzinfo=UTC))
    await h.command("nina", "/release list", channel="dm")
    listing = h.platform.dms("nina")[-1]
    status = {
        line.split(" — ")[0].lstrip("• "): line.rsplit(" — ", 1)[1] for line in listing.splitlines()[1:]
    }
    assert status == {
        "R-1": "Active",
        "R-2": "Expiring",
        "R-3": "Expired",
        "R-4": "Revoked",
        "R-5": "Renewed",
        "R-6": "Active",
    }
    await h.close()


async def test_renewal_records_a_successor_and_replans_reminders(tmp_path: Path, redactor: Any) -> None:
    h = make(tmp_path, redactor)
    await record(h)
    await h.command("nina", "/release renew R-1 2026-05-29", channel="dm")
    assert h.platform.dms("nina")[-1].startswith("Renewed: R-2 replaces R-1")
    old, new = releases(h)
    assert (old.status, new.status, new.signed_on.isoformat(), new.client_ref) == (
        "renewed",
        "active",
        "2026-03-02",
        "C-1187",
    )
    planned = items(h)
    assert {k for k, (s, _) in planned.items() if s == "cancelled"} == {
        "release:1:remind:14",
        "release:1:remind:3",
        "release:1:remind:0",
        "release:1:expired",
    }
    assert planned["release:2:remind:14"] == ("pending", datetime(2026, 5, 15, 14, 0, tzinfo=UTC))
    await h.command("nina", "/release renew R-1 2026-05-29", channel="dm")
    assert "already renewed as R-2" in h.platform.dms("nina")[-1]
    await h.command("nina", "/release renew R-2 2026-09-01", channel="dm")
    assert "at most 90 days" in h.platform.dms("nina")[-1]
    await at(h, datetime(2026, 4, 16, 6, 0, tzinfo=UTC))  # R-1's old expiry: nothing happens
    assert h.platform.dms("alice") == []
    await h.command("nina", "/release check C-1187 hsi", channel="dm")
    assert "R-2:" in h.platform.dms("nina")[-1] and "valid until 2026-05-29" in h.platform.dms("nina")[-1]
    await h.close()


async def test_summary_lists_the_caseworkers_releases_expiring_within_14_days(
    tmp_path: Path, redactor: Any
) -> None:
    h = make(tmp_path, redactor)
    await record(h, expires="2026-03-12")
    await record(h, expires="2026-05-01")
    home = await h.app.home_summary(h.session("nina").user)
    assert home.startswith("*Your releases expiring within 14 days*")
    assert "R-1 — client C-1187 → hsi; until 2026-03-12 (10 days left)" in home
    assert "R-2" not in home
    assert await h.app.home_summary(h.session("alice").user) == "Nothing open for you right now."
    await h.command("nina", "/release summary", channel="general")
    assert h.platform.dms("nina")[-1] == home
    assert h.platform.channel_posts("general") == []
    await h.close()


# -- exactly once -------------------------------------------------------------------------------


async def test_reminders_are_sent_exactly_once_across_a_restart(
    tmp_path: Path, redactor: Any, database_url: str
) -> None:
    h = make(tmp_path, redactor, database_url=database_url)
    await record(h)
    await at(h, datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    recorded = len(h.platform.dms("nina"))
    await h.close()  # down over the 14-day reminder and the 3-day one

    h2 = make(
        tmp_path,
        redactor,
        database_url=database_url,
        keyring=h.keyring,
        start=datetime(2026, 4, 13, 1, 0, tzinfo=UTC),
    )
    await h2.tick()
    await h2.tick(minutes=1)
    await h2.close()
    h3 = make(tmp_path, redactor, database_url=database_url, keyring=h.keyring, start=h2.clock.now())
    for _ in range(3):
        await h3.tick(days=2)
    sent = h2.platform.dms("nina") + h3.platform.dms("nina")
    assert recorded == 1
    assert sum("expires in 14 days" in m for m in sent) == 1
    assert sum("expires in 3 days" in m for m in sent) == 1
    assert sum("expires today" in m for m in sent) == 1
    # The expiry passed while the bot was down: the notice still goes out, once, saying it is late.
    assert h2.platform.dms("alice") + h3.platform.dms("alice") == [
        NOTICE + "\n\n(late: this was due at Thu 16 Apr 00:00 CDT; the bot was unavailable)"
    ]
    await h3.close()


async def test_two_schedulers_on_one_database_send_each_reminder_once(
    tmp_path: Path, redactor: Any, database_url: str
) -> None:
    h = make(tmp_path, redactor, database_url=database_url)
    for n in range(12):
        await record(h, line=LINE.replace("C-1187", f"C-{1000 + n}"), expires=f"2026-04-{10 + n}")
    h2 = make(tmp_path, redactor, database_url=database_url, keyring=h.keyring, start=h.clock.now())
    end = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    for x in (h, h2):
        x.clock.set(end)
    results = []
    threads = [
        threading.Thread(target=lambda a=a: results.append(a.app.run_due(limit=5))) for a in (h, h2) * 8
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h.app.run_due()
    h2.app.run_due()
    for x in (h, h2):
        await x.app.deliver_outbox(end)
    with h.app.services.db.session() as s:
        statuses = set(s.execute(select(ScheduledItem.status)).scalars())
        keys = list(s.execute(select(OutboxMessage.idempotency_key)).scalars())
    assert statuses == {"done"}
    assert len(keys) == len(set(keys))
    # 3 reminders + expiry notice to alice and nina (plus the coordinators' notes that they ran late)
    assert len([k for k in keys if k.startswith("release:")]) == 12 * (3 + 2)
    alice = [m.split("\n\n(late:")[0] for m in h.platform.dms("alice") + h2.platform.dms("alice")]
    assert sorted(alice) == sorted(
        f"Release R-{n + 1} (client C-{1000 + n}) is no longer valid; stop sharing under it."
        for n in range(12)
    )
    nina = [m for m in h.platform.dms("nina") + h2.platform.dms("nina") if m.startswith("Reminder")]
    assert len(nina) == len(set(nina)) == 36
    await h.close()
    await h2.close()


# -- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, problem",
    [
        ({"max_term": 30}, "releases.max_term: unknown key"),
        ({"max_term_days": 0}, "releases.max_term_days: a whole number from 1"),
        ({"reminder_days": [3, 3]}, "releases.reminder_days: a day is listed twice"),
        ({"reminder_time": "9am"}, "releases.reminder_time"),
        ({"categories": []}, "releases.categories"),
        ({"client_ref_pattern": "("}, "releases.client_ref_pattern"),
    ],
)
def test_release_settings_name_the_bad_key(table: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ReleaseSettings.from_mapping(table)


def test_release_settings_defaults() -> None:
    s = ReleaseSettings.from_mapping({"reminder_days": [0, 14, 3], "reminder_time": "8:30"})
    assert (s.reminder_days, s.reminder_time.isoformat(), s.max_term_days) == ((14, 3, 0), "08:30:00", 90)


async def test_release_command_typed_in_a_group_channel_is_removed(tmp_path: Path, redactor: Any) -> None:
    h = make(tmp_path, redactor)
    await h.command("nina", "/release check C-1187 hsi", channel="case-review")
    assert not any("C-1187" in text for _author, text in h.platform.visible_in_channel("case-review"))
    assert "I removed your command from the channel" in h.platform.ephemerals("nina")[0]
    await h.command("nina", "/release check C-1187 hsi", channel="dm")  # private already: nothing removed
    assert [d for d in h.platform.deliveries if d.kind == "redact"].__len__() == 1
    await h.close()
