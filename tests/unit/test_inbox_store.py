"""The inbox store (storage/inbox.py) on a real SQLite file and PostgreSQL: a stored request is
claimed by whoever stored it, redeliveries find it, an expired lease is taken over, outcomes are
fenced by the claim token, failures back off and are eventually given up on, done rows are purged,
and the payload is encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from storage import inbox
from storage.crypto import FieldCipher, KeyRing, install_cipher
from storage.db import Database
from storage.models import InboxEntry

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
SECRET = "Call Maria Lopez at 713-555-0101"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    install_cipher(FieldCipher(KeyRing.generate()))
    database = Database(database_url)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()
        install_cipher(None)


def _store(db: Database, key: str = "event:Ev1", *, now: datetime = T0, claim: bool = True) -> inbox.Claimed:
    with db.session() as s:
        return inbox.store(
            s, platform="slack", key=key, kind="event", payload=SECRET, now=now, lease=LEASE, claim=claim
        )


def test_a_stored_request_is_claimed_by_its_receiver_and_encrypted_at_rest(db: Database) -> None:
    row = _store(db)
    assert row.token and row.attempts == 1 and row.payload == SECRET
    with db.session() as s:
        raw = s.execute(text("SELECT payload, status FROM inbox")).one()
    assert raw[1] == "running"
    assert SECRET not in raw[0] and "713-555" not in raw[0] and raw[0].startswith("v1:")


def test_a_redelivery_finds_the_row_instead_of_storing_a_second(db: Database) -> None:
    _store(db)
    with pytest.raises(IntegrityError):
        _store(db)
    with db.session() as s:
        assert inbox.take(s, platform="slack", key="event:Ev1", now=T0 + timedelta(seconds=1)) == (
            inbox.BUSY,
            None,
        )
        assert s.execute(select(InboxEntry)).scalars().all().__len__() == 1


def test_an_expired_lease_is_taken_over_and_the_old_holder_is_fenced_out(db: Database) -> None:
    first = _store(db)
    later = T0 + LEASE + timedelta(seconds=1)
    with db.session() as s:
        assert inbox.claim_due(s, platform="slack", now=T0 + timedelta(seconds=5)) == []  # lease still live
        [second] = inbox.claim_due(s, platform="slack", now=later, lease=LEASE)
    assert second.id == first.id and second.token != first.token and second.attempts == 2
    assert second.payload == SECRET  # the payload travels with the claim
    with db.session() as s:  # the replica that lost its lease can neither renew nor finish nor fail
        assert inbox.renew(s, [(first.id, first.token)], now=later) == 0
    for act in (
        lambda s: inbox.finish(s, first.id, first.token, now=later),
        lambda s: inbox.fail(s, first.id, first.token, now=later, reason="x"),
    ):
        with pytest.raises(inbox.ClaimLost), db.session() as s:
            act(s)
    with db.session() as s:
        assert inbox.renew(s, [(second.id, second.token)], now=later) == 1
        inbox.finish(s, second.id, second.token, now=later)
    with db.session() as s:
        row = s.get(InboxEntry, first.id)
        assert row is not None and row.status == "done" and row.payload is None and row.claim_token is None
        assert inbox.take(s, platform="slack", key="event:Ev1", now=later) == (inbox.DONE, None)


def test_a_renewed_lease_is_not_taken_over(db: Database) -> None:
    row = _store(db)
    with db.session() as s:
        assert inbox.renew(s, [(row.id, row.token)], now=T0 + timedelta(seconds=25), lease=LEASE) == 1
        assert inbox.claim_due(s, platform="slack", now=T0 + LEASE + timedelta(seconds=1)) == []


def test_a_failing_row_backs_off_and_is_given_up_on_after_the_horizon(db: Database) -> None:
    row = _store(db)
    horizon = timedelta(minutes=30)
    with db.session() as s:
        assert inbox.fail(s, row.id, row.token, now=T0, reason="not handled", horizon=horizon) is False
    with db.session() as s:
        assert inbox.claim_due(s, platform="slack", now=T0 + timedelta(seconds=4)) == []  # backing off
        [again] = inbox.claim_due(s, platform="slack", now=T0 + timedelta(seconds=6))
    with db.session() as s:  # still inside the horizon: retried, later each time
        assert (
            inbox.fail(
                s, again.id, again.token, now=T0 + timedelta(minutes=1), reason="not handled", horizon=horizon
            )
            is False
        )
        stored = s.get(InboxEntry, row.id)
        assert stored is not None and stored.next_attempt_at - (T0 + timedelta(minutes=1)) >= timedelta(
            seconds=5
        )
    with db.session() as s:
        [third] = inbox.claim_due(s, platform="slack", now=T0 + timedelta(minutes=20))
    with db.session() as s:  # past the horizon since the first failure: given up on (the caller reports it)
        assert inbox.fail(s, third.id, third.token, now=T0 + horizon, reason="not handled", horizon=horizon)
    with db.session() as s:
        stored = s.get(InboxEntry, row.id)
        assert stored is not None and stored.status == "failed" and stored.last_error == "not handled"
        assert stored.payload == SECRET  # kept (encrypted) for the operator until the retention purge
        assert inbox.claim_due(s, platform="slack", now=T0 + timedelta(days=1)) == []
        assert inbox.backlog(s)[2] == 1


def test_released_rows_are_due_at_once_for_anyone(db: Database) -> None:
    row = _store(db)
    with db.session() as s:
        assert inbox.release(s, [(row.id, row.token)], now=T0 + timedelta(seconds=1)) == 1
        [taken] = inbox.claim_due(s, platform="slack", now=T0 + timedelta(seconds=1))
    assert taken.id == row.id and taken.attempts == 1  # handing back is not an attempt


def test_rows_stored_while_stopping_wait_for_any_replicas_sweep(db: Database) -> None:
    row = _store(db, claim=False)
    assert row.token == ""
    with db.session() as s:
        assert inbox.take(s, platform="slack", key="event:Ev1", now=T0, claim=False) == (inbox.BUSY, None)
        [taken] = inbox.claim_due(s, platform="slack", now=T0)
    assert taken.id == row.id and taken.token


def test_purge_deletes_finished_rows_after_the_retention_window_only(db: Database) -> None:
    done = _store(db, "event:old")
    running = _store(db, "event:running")
    recent = _store(db, "event:recent")
    with db.session() as s:
        inbox.finish(s, done.id, done.token, now=T0)
        inbox.finish(s, recent.id, recent.token, now=T0 + timedelta(hours=23))
    with db.session() as s:
        assert inbox.purge(s, platform="slack", before=T0 + timedelta(hours=1)) == 1
    with db.session() as s:
        keys = set(s.execute(select(InboxEntry.key)).scalars())
        assert keys == {"event:running", "event:recent"}
        count, oldest, failed = inbox.backlog(s)
    assert (count, failed) == (1, 0) and oldest == running.received_at


def test_one_claim_per_row_when_two_sweeps_race(db: Database) -> None:
    for i in range(10):
        _store(db, f"event:{i}", claim=False)
    with db.session() as s1:
        first = inbox.claim_due(s1, platform="slack", now=T0, limit=6)
        if not db.is_sqlite:  # PostgreSQL: a concurrent sweep skips the locked rows
            with db.session() as s2:
                second = inbox.claim_due(s2, platform="slack", now=T0, limit=10)
            assert {r.id for r in first}.isdisjoint({r.id for r in second}) and len(second) == 4
    assert len(first) == 6


def test_the_backlog_gauges_show_unhandled_rows_and_their_age(db: Database) -> None:
    from bot.metrics import DatabaseGauges

    _store(db, "event:a")
    _store(db, "event:b", now=T0 + timedelta(minutes=1), claim=False)
    done = _store(db, "event:c")
    with db.session() as s:
        inbox.finish(s, done.id, done.token, now=T0)
    gauges = DatabaseGauges(db, lambda: T0 + timedelta(minutes=10))
    gauges.refresh()
    values = {fam.name: fam.samples[0].value for fam in gauges.collect()}
    assert values["needtoknow_inbox_backlog"] == 2
    assert values["needtoknow_inbox_oldest_age_seconds"] == 600
    assert values["needtoknow_inbox_failed"] == 0


def test_receive_stores_or_finds_without_an_error_so_a_burst_shares_one_transaction(db: Database) -> None:
    with db.session() as s:  # one transaction: two new requests and a redelivery of the first
        first = inbox.receive(s, platform="slack", key="event:x", kind="event", payload=SECRET, now=T0)
        second = inbox.receive(s, platform="slack", key="event:y", kind="event", payload=SECRET, now=T0)
        again = inbox.receive(s, platform="slack", key="event:x", kind="event", payload=SECRET, now=T0)
    assert first[0] == second[0] == inbox.NEW and again == (inbox.BUSY, None)
    row = first[1]
    assert row is not None and row.token and row.attempts == 1
    with db.session() as s:
        inbox.finish(s, row.id, row.token, now=T0)
        assert inbox.receive(s, platform="slack", key="event:x", kind="event", payload=SECRET, now=T0) == (
            inbox.DONE,
            None,
        )
        raw = s.execute(text("SELECT payload FROM inbox WHERE key = 'event:y'")).scalar_one()
    assert raw.startswith("v1:") and "Maria" not in raw


def test_a_burst_is_one_insert_and_a_key_twice_in_it_is_stored_once(db: Database) -> None:
    _store(db, "event:old")
    items = [
        ("event:a", "event", SECRET, True),
        ("event:old", "event", SECRET, True),
        ("event:a", "event", SECRET, True),
        ("command:b", "command", SECRET, False),
    ]
    with db.session() as s:
        results = inbox.receive_many(s, items, platform="slack", now=T0 + timedelta(seconds=1), lease=LEASE)
    assert [state for state, _ in results] == [inbox.NEW, inbox.BUSY, inbox.BUSY, inbox.NEW]
    with db.session() as s:
        keys = sorted(s.execute(select(InboxEntry.key)).scalars())
    assert keys == ["command:b", "event:a", "event:old"]


def test_finishing_several_rows_at_once_is_fenced_per_row(db: Database) -> None:
    kept, lost = _store(db, "event:kept"), _store(db, "event:lost")
    with db.session() as s:  # the holder renews "kept"; "lost" lapses and another replica takes it over
        inbox.renew(s, [(kept.id, kept.token)], now=T0 + LEASE - timedelta(seconds=1), lease=LEASE)
        [other] = inbox.claim_due(s, platform="slack", now=T0 + LEASE + timedelta(seconds=1), lease=LEASE)
    assert other.id == lost.id
    with db.session() as s:
        done = inbox.finish_many(s, [(kept.id, kept.token), (lost.id, lost.token)], now=T0)
    assert done == {kept.id}
    with db.session() as s:
        assert inbox.finish_many(s, [(other.id, other.token)], now=T0) == {lost.id}


def test_effects_of_several_rows_are_recorded_together_and_never_shrink(db: Database) -> None:
    a, b = _store(db, "command:a"), _store(db, "command:b")
    with db.session() as s:
        inbox.record_effects_many(s, [(a.id, "1"), (b.id, "10")])
    with db.session() as s:  # a stale writer's shorter string for b is ignored; a grows
        inbox.record_effects_many(s, [(a.id, "11"), (b.id, "1")])
    with db.session() as s:
        [(a_effects,)] = s.execute(select(InboxEntry.effects).where(InboxEntry.id == a.id)).all()
        [(b_effects,)] = s.execute(select(InboxEntry.effects).where(InboxEntry.id == b.id)).all()
        [taken] = [inbox.take(s, platform="slack", key="command:a", now=T0 + LEASE + timedelta(seconds=1))[1]]
    assert (a_effects, b_effects) == ("11", "10")
    assert taken is not None and taken.effects == "11"  # a re-run after a takeover knows what was done
