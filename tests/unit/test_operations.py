"""Operation notices: the NGO gets a coarse timeline and estimates, never the date, place or target."""

from __future__ import annotations

import random
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from handlers.operations import (
    OperationsSettings,
    build_ngo_notice,
    lead_time_phrase,
    parse_languages,
    parse_victims,
    victim_range,
)
from handlers.timeline import PHRASES, coarsen_timeline
from storage.models import ScheduledItem
from storage.operations import Operation
from tests.harness import Harness, demo_data

ROOT = Path(__file__).resolve().parents[2]
CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
NO_JITTER = {"operations": {"alert_jitter_minutes": 0}}
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 09:00 in Chicago (the harness default)


def local(tz: ZoneInfo, y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# -- the timeline table -------------------------------------------------------------------------
# (time zone, now (local), planned (local), phrase). 2026-03-02 is a Monday.
TABLE = [
    # same day / next day, including late-night times near midnight
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 2, 23, 59), "later today"),
    (CHICAGO, (2026, 3, 2, 23, 30), (2026, 3, 3, 0, 30), "tomorrow"),
    (CHICAGO, (2026, 3, 2, 0, 1), (2026, 3, 3, 23, 59), "tomorrow"),
    (CHICAGO, (2026, 3, 2, 23, 59), (2026, 3, 4, 0, 1), "later this week"),
    # rest of this week (Monday start; Sunday belongs to this week)
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 8, 22, 0), "later this week"),
    (CHICAGO, (2026, 3, 4, 9, 0), (2026, 3, 6, 9, 0), "later this week"),
    # week boundary: Sunday night -> Monday is tomorrow; Tuesday is early next week
    (CHICAGO, (2026, 3, 8, 23, 50), (2026, 3, 9, 0, 10), "tomorrow"),
    (CHICAGO, (2026, 3, 8, 12, 0), (2026, 3, 10, 12, 0), "early next week"),
    (CHICAGO, (2026, 3, 6, 12, 0), (2026, 3, 7, 12, 0), "tomorrow"),
    # next week: Mon-Wed early, Thu-Sun end
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 9, 9, 0), "early next week"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 11, 23, 59), "early next week"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 12, 0, 0), "end of next week"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 15, 23, 59), "end of next week"),
    (CHICAGO, (2026, 3, 6, 9, 0), (2026, 3, 13, 9, 0), "end of next week"),
    # further out
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 16, 0, 0), "in about two weeks"),
    # calendar weeks: from Sunday night, Monday eight days on is two calendar weeks away
    (CHICAGO, (2026, 3, 8, 23, 0), (2026, 3, 16, 0, 30), "in about two weeks"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 22, 23, 0), "in about two weeks"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 23, 9, 0), "in about three weeks"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 3, 30, 9, 0), "in about a month"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 4, 12, 9, 0), "in about a month"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2026, 4, 13, 9, 0), "in more than a month"),
    (CHICAGO, (2026, 3, 2, 9, 0), (2027, 1, 1, 9, 0), "in more than a month"),
    # DST: Chicago springs forward on Sunday 2026-03-08 (a 23-hour day) and falls back 2026-11-01
    (CHICAGO, (2026, 3, 7, 23, 30), (2026, 3, 8, 23, 0), "tomorrow"),  # only 22.5 real hours
    (CHICAGO, (2026, 3, 8, 0, 30), (2026, 3, 8, 23, 30), "later today"),
    (CHICAGO, (2026, 3, 8, 3, 30), (2026, 3, 9, 0, 15), "tomorrow"),
    (CHICAGO, (2026, 10, 31, 23, 30), (2026, 11, 1, 23, 30), "tomorrow"),  # 25 real hours
    (CHICAGO, (2026, 11, 1, 0, 30), (2026, 11, 1, 23, 59), "later today"),
    (CHICAGO, (2026, 10, 26, 9, 0), (2026, 11, 2, 9, 0), "early next week"),
    # DST: Berlin springs forward 2026-03-29 and falls back 2026-10-25 (both Sundays)
    (BERLIN, (2026, 3, 28, 23, 30), (2026, 3, 29, 23, 30), "tomorrow"),
    (BERLIN, (2026, 3, 29, 1, 30), (2026, 3, 30, 0, 30), "tomorrow"),
    (BERLIN, (2026, 3, 29, 12, 0), (2026, 4, 1, 12, 0), "early next week"),
    (BERLIN, (2026, 10, 24, 22, 0), (2026, 10, 25, 23, 0), "tomorrow"),
    (BERLIN, (2026, 10, 19, 8, 0), (2026, 10, 25, 23, 59), "later this week"),
    (BERLIN, (2026, 10, 19, 8, 0), (2026, 10, 26, 0, 0), "early next week"),
    # far east and the date line
    (ZoneInfo("Pacific/Auckland"), (2026, 3, 2, 23, 0), (2026, 3, 3, 1, 0), "tomorrow"),
    (ZoneInfo("Asia/Kolkata"), (2026, 3, 5, 12, 0), (2026, 3, 12, 12, 0), "end of next week"),
    (ZoneInfo("UTC"), (2026, 12, 28, 9, 0), (2027, 1, 4, 9, 0), "early next week"),  # across the year
]


@pytest.mark.parametrize(("tz", "now", "planned", "phrase"), TABLE)
def test_timeline_phrase_table(
    tz: ZoneInfo, now: tuple[int, ...], planned: tuple[int, ...], phrase: str
) -> None:
    assert coarsen_timeline(local(tz, *planned), local(tz, *now), tz) == phrase


def test_timeline_uses_the_task_force_time_zone_not_utc() -> None:
    # Monday 20:00 in Chicago is already Tuesday 02:00 UTC: Tuesday 10:00 Chicago is "tomorrow" there.
    now = local(CHICAGO, 2026, 3, 2, 20, 0)
    planned = local(CHICAGO, 2026, 3, 3, 10, 0)
    assert coarsen_timeline(planned, now, CHICAGO) == "tomorrow"
    assert coarsen_timeline(planned, now, ZoneInfo("UTC")) == "later today"


def test_timeline_past_or_now_is_very_soon_and_naive_times_are_refused() -> None:
    now = local(CHICAGO, 2026, 3, 2)
    assert coarsen_timeline(now, now, CHICAGO) == "very soon"
    assert coarsen_timeline(now - timedelta(hours=1), now, CHICAGO) == "very soon"
    with pytest.raises(ValueError):
        coarsen_timeline(datetime(2026, 3, 3), now, CHICAGO)


def test_timeline_phrases_only_grow_as_the_operation_moves_out_and_never_name_a_day() -> None:
    rng = random.Random(9)
    zones = [CHICAGO, BERLIN, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Sao_Paulo"), ZoneInfo("UTC")]
    for _ in range(300):
        tz = rng.choice(zones)
        now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 700))
        previous = 0
        for step in range(0, 60 * 24 * 60, 97):
            phrase = coarsen_timeline(now + timedelta(minutes=step + 1), now, tz)
            index = PHRASES.index(phrase)
            assert index >= previous, (tz, now, step)
            previous = index
            assert not FORBIDDEN.search(phrase)


def test_lead_time_phrases() -> None:
    assert lead_time_phrase(168) == "within the next 7 days"
    assert lead_time_phrase(72) == "within the next 3 days"
    assert lead_time_phrase(48) == "within the next 2 days"
    assert lead_time_phrase(24) == "within the next 24 hours"
    assert lead_time_phrase(36) == "within the next 36 hours"
    with pytest.raises(ValueError):
        lead_time_phrase(0)


# -- estimates ----------------------------------------------------------------------------------
def test_victim_estimates_reach_the_ngo_as_a_range() -> None:
    assert parse_victims("5") == (5, 5)
    assert parse_victims("4-6") == parse_victims("4–6") == parse_victims("4 to 6") == parse_victims("6-4")
    assert victim_range(5, 5, 1) == "4–6"
    assert victim_range(0, 0, 2) == "0–2"
    assert victim_range(4, 9, 1) == "4–9"
    for bad in ("lots", "", "5 women", "-3", "1-2-3", "9999"):
        with pytest.raises(ValueError):
            parse_victims(bad)


def test_languages_are_names_only_so_no_address_or_time_can_ride_along() -> None:
    assert parse_languages("spanish, Mam,  K'iche', Haitian Creole, spanish") == (
        "Spanish",
        "Mam",
        "K'iche'",
        "Haitian Creole",
    )
    assert parse_languages("") == ()
    assert parse_languages("Tiếng Việt, 中文") == ("Tiếng Việt", "中文")
    for bad in (
        "Spanish at 5th St",
        "English 10pm",
        "Spanish; motel",
        "a b c d e",
        "x" * 41,
        ",".join("abcdefghi"),
    ):
        with pytest.raises(ValueError):
            parse_languages(bad)


def test_settings_defaults_and_errors_name_the_key() -> None:
    s = OperationsSettings.from_mapping({})
    assert (s.minimum_notice_hours, s.alert_hours, s.ack_timeout_hours) == (72, (168, 72, 24), 12.0)
    assert (s.alert_bucket_hours, s.alert_jitter_minutes) == (12, 0)
    assert OperationsSettings.from_mapping({"alert_hours": [24, 72]}).alert_hours == (72, 24)
    for bad, key in (
        ({"colour": 1}, "operations.colour"),
        ({"alert_hours": [24, 24]}, "operations.alert_hours"),
        ({"alert_hours": "24"}, "operations.alert_hours"),
        ({"minimum_notice_hours": -1}, "operations.minimum_notice_hours"),
        ({"ack_timeout_hours": 0}, "operations.ack_timeout_hours"),
        ({"estimate_spread": True}, "operations.estimate_spread"),
        ({"alert_bucket_hours": 5}, "operations.alert_bucket_hours"),
        ({"alert_bucket_hours": 24}, "operations.alert_bucket_hours"),  # the 24 h alert could be late
        ({"alert_hours": [6], "alert_bucket_hours": 4}, "operations.alert_bucket_hours"),
    ):
        with pytest.raises(ValueError, match=re.escape(key)):
            OperationsSettings.from_mapping(bad)


def test_example_config_operations_section_is_valid() -> None:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert OperationsSettings.from_mapping(data["operations"]) == OperationsSettings()


# -- the whitelist check ------------------------------------------------------------------------
MONTHS = "january february march april june july august september october november december".split()
MONTH_ABBR = "jan feb mar apr jun jul aug sep sept oct nov dec".split()
DAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split()
FORBIDDEN = re.compile(
    r"\d{4}-\d{1,2}|\d{1,2}/\d{1,2}|\d{1,2}\.\d{1,2}\.|\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm|h)\b|\b(?:19|20)\d\d\b"
    r"|\b(?:"
    + "|".join(
        MONTHS
        + MONTH_ABBR
        + DAYS
        + [
            "may",
            "noon",
            "midnight",
            "morning",
            "evening",
            "night",
            "afternoon",
            "tonight",
            "cst",
            "cdt",
            "utc",
        ]
    )
    + r")\b",
    re.IGNORECASE,
)
PHRASE = "(?:" + "|".join(re.escape(p) for p in PHRASES) + ")"
LEAD = r"within the next (?:\d+ days|\d+ hours)"
WHEN = rf"(?:{LEAD} \({PHRASE}\)|{PHRASE}|{LEAD})"
WORD_LIST = r"[^\W\d_][^\W\d_ '’\-]*(?:[ '’\-][^\W\d_]*)*"
ALLOWED_LINES = [
    re.compile(p)
    for p in (
        r"Reminder — not yet acknowledged:",
        r"\*Operation notice OP-\d+\* — for your planning only; please do not forward\.",
        rf"\*Operation reminder OP-\d+\*: expected {WHEN}\.",
        r"\*Operation update OP-\d+\* — changed estimates:",
        rf"\*Operation OP-\d+ postponed\*: now expected {WHEN}\. Earlier timings no longer apply\.",
        rf"\*Operation OP-\d+ moved earlier\*: now expected {WHEN}\.",
        r"\*Operation OP-\d+ cancelled\.\* No action is needed; you can release anything you held for it\.",
        r"\*Operation OP-\d+ concluded\.\* Thank you for preparing\. The operation lead will be in touch about a debrief\.",
        rf"Expected: {WHEN}",
        r"Estimated victims: \d+–\d+",
        r"Gender: (?:(?:female|male|nonbinary|not known)(?:, |$))+",
        rf"Languages: (?:not known|{WORD_LIST}(?:, {WORD_LIST})*)",
        r"Minors expected: (?:yes|no|not known)",
        r"Special needs: (?:none known|(?:(?:shelter|medical|interpreter)(?:, |$))+)",
        r"Please press Acknowledge so the operation lead knows you have seen this\. \(notice \d+\)",
        # A notice sent late (the bot was down when it was due) says so, without the due time.
        r"",
        r"\(late: this was due earlier; the bot was unavailable then\)",
    )
]


def assert_whitelisted(message: str, canaries: list[str]) -> None:
    for line in message.split("\n"):
        assert any(p.fullmatch(line) for p in ALLOWED_LINES), f"line outside the whitelist: {line!r}"
        body = re.sub(r"^Languages: .*$", "", line)  # language names are checked by the pattern above
        assert not FORBIDDEN.search(body), f"date/time-like text in an NGO notice: {line!r}"
    low = message.lower()
    for canary in canaries:
        assert canary.lower() not in low, "a location/target canary reached the NGO"


def test_whitelist_check_catches_a_leak() -> None:
    leaky = build_ngo_notice(
        __import__("handlers.operations", fromlist=["x"]).NgoNotice("initial", "OP-1", "tomorrow"), 1
    )
    assert_whitelisted(leaky, ["Motel"])
    for bad in (leaky + "\nLocation: Motel 6", leaky.replace("tomorrow", "Friday"), leaky + "\nat 18:30"):
        with pytest.raises(AssertionError):
            assert_whitelisted(bad, ["Motel"])


def _members_with_second_ngo() -> dict:
    data = demo_data()
    return {
        "agencies": [*data["agencies"], {"key": "refuge", "name": "Refuge House", "kind": "ngo"}],
        "members": [
            *data["members"],
            {
                "handle": "rosa",
                "name": "Rosa Quispe",
                "agency": "refuge",
                "discipline": "community_advocate",
                "roles": ["ngo_contact"],
            },
        ],
    }


async def test_ngo_never_receives_the_exact_date_place_or_target(tmp_path: Path) -> None:
    """Many random operations through their whole life: every NGO-bound message is whitelisted."""
    rng = random.Random(2026)
    zones = [
        "America/Chicago",
        "Europe/Berlin",
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Australia/Sydney",
        "UTC",
    ]
    checked = 0
    for run in range(8):
        tz_name = rng.choice(zones)
        start = START + timedelta(minutes=rng.randrange(60 * 24 * 300))
        h = Harness.create(
            tmp_path / f"r{run}",
            overrides={
                **_members_with_second_ngo(),
                "bot": {"timezone": tz_name},
                "operations": {"alert_jitter_minutes": rng.choice([0, 90])},
            },
            start=start,
        )
        tz = ZoneInfo(tz_name)
        canaries: list[str] = []
        for n in range(1, 4):
            planned = start.astimezone(tz) + timedelta(
                hours=rng.randrange(2, 24 * 45), minutes=rng.randrange(60)
            )
            planned = planned.replace(tzinfo=None)
            loc = f"CANARY{run}x{n} Motel at {rng.randrange(100, 999)} Main Street"
            note = f"TARGETCANARY{run}x{n} raid team HSI SWAT entry via back door"
            canaries += [f"CANARY{run}x{n}", f"TARGETCANARY{run}x{n}", "Main Street", "SWAT", "back door"]
            seen_before = len(h.platform.dms("alice"))
            await h.command("alice", "/operation new", channel="dm")
            errors = await h.fill(
                "alice",
                {
                    "when": planned.strftime("%Y-%m-%d %H:%M"),
                    "victims": rng.choice(["5", "3-7", "12", "1"]),
                    "genders": rng.sample(["female", "male", "nonbinary", "unknown"], rng.randrange(1, 3)),
                    "languages": rng.choice(["Spanish, Mam", "Tagalog", "", "Haitian Creole, French"]),
                    "minors": rng.choice(["yes", "no", "unknown"]),
                    "needs": rng.sample(["shelter", "medical", "interpreter"], rng.randrange(0, 3)),
                    "location": loc,
                    "notes": note,
                },
            )
            assert errors is None
            replies = h.platform.dms("alice")[seen_before:]
            recorded = [r for r in replies if r.startswith("Recorded OP-")]
            if not recorded:  # a wall-clock time skipped by DST: refused, nothing sent
                assert any("clocks change" in r for r in replies)
                continue
            ref = recorded[0].split()[1].rstrip(".")
            if rng.random() < 0.5:
                await h.command(
                    "alice",
                    f"/operation update {ref} victims=5-8 languages=Spanish,Mam location=Elsewhere{n}",
                    channel="dm",
                )
            await h.tick(hours=rng.randrange(1, 60))
            if rng.random() < 0.5:
                later = (planned + timedelta(days=rng.randrange(1, 20))).strftime("%Y-%m-%d %H:%M")
                await h.command("alice", f"/operation postpone {ref} {later}", channel="dm")
        for _ in range(30):
            await h.tick(hours=rng.randrange(6, 48))
            if rng.random() < 0.3 and h.platform.last_buttons("nina")[1] is not None:
                await h.press("nina", "Acknowledge")
        for n in range(1, 4):  # (an operation already cancelled gets a refusal, which is fine)
            await h.command("alice", f"/operation {rng.choice(['cancel', 'conclude'])} OP-{n}", channel="dm")
        await h.tick(hours=30)
        for ngo in ("nina", "rosa"):
            for d in h.platform.received_by(ngo):
                if d.kind == "dm" and d.message is not None and d.message.buttons:
                    assert_whitelisted(d.text, canaries)
                    checked += 1
        # nobody else got anything operation-related that is not theirs, and no channel saw anything
        for other in ("hana", "leo", "vera"):
            assert not any("OP-" in t for t in h.platform.private_texts(other))
        for channel in ("general", "core-team", "case-review"):
            assert h.platform.channel_posts(channel) == []
        await h.close()
    print(f"whitelist-checked NGO messages: {checked}")
    assert checked > 60


# -- flows --------------------------------------------------------------------------------------
async def new_operation(h: Harness, when: str = "2026-03-12 06:00", **extra: object) -> None:
    await h.command("alice", "/operation new", channel="dm")
    answers = {
        "when": when,
        "victims": "5",
        "genders": ["female"],
        "languages": "Spanish",
        "minors": "yes",
        "needs": ["shelter"],
        "location": "Motel canary",
        "notes": "Target canary",
    }
    answers.update(extra)  # type: ignore[arg-type]
    assert await h.fill("alice", answers) is None


def reminders(h: Harness, handle: str = "nina") -> list[str]:
    return [t for t in h.platform.dms(handle) if t.startswith("*Operation reminder")]


async def test_ngo_gets_a_whitelisted_notice_with_an_acknowledge_button(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    [notice] = h.platform.dms("nina")
    assert "Expected: end of next week" in notice and "Estimated victims: 4–6" in notice
    assert "Motel" not in notice and "Target" not in notice and "12" not in notice.split("(notice")[0]
    _ref, message = h.platform.last_buttons("nina")
    assert message is not None and [(b.label, b.value) for b in message.buttons] == [("Acknowledge", "1")]
    reply = h.platform.dms("alice")[0]
    assert reply.startswith("Recorded OP-1.") and "The NGO sees only this" in reply
    actions = [(r.action, r.target) for r in h.audit_rows()]
    assert ("operations.notice_sent", "OP-1") in actions and ("operations.created", "OP-1") in actions
    await h.close()


async def test_alerts_arrive_once_at_each_lead_time_point(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides=NO_JITTER)
    await new_operation(h, when="2026-03-12 10:00")  # 15:00 UTC: ten days after the start
    planned = START + timedelta(days=10)
    seen: list[tuple[str, datetime]] = []
    while h.clock.now() < planned + timedelta(days=2):
        await h.tick(minutes=30)
        for text_ in reminders(h)[len(seen) :]:
            seen.append((text_, h.clock.now()))
    assert [s[0].split("\n")[0] for s in seen] == [
        "*Operation reminder OP-1*: expected within the next 7 days (end of next week).",
        "*Operation reminder OP-1*: expected within the next 3 days (later this week).",
        "*Operation reminder OP-1*: expected within the next 24 hours (tomorrow).",
    ]
    # 10:00 lies in the local half-day bucket that ends at noon: each alert comes 168/72/24 hours
    # before noon, i.e. 2 hours after its point (never before it, at most one bucket after it).
    assert [planned - s[1] for s in seen] == [timedelta(hours=166), timedelta(hours=70), timedelta(hours=22)]
    alerts = [r for r in h.audit_rows() if r.action == "operations.alert_sent"]
    assert [r.detail["hours"] for r in alerts] == [168, 72, 24]
    await h.close()


async def test_alerts_come_at_the_bucket_time_never_before_their_point(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"operations": {"alert_jitter_minutes": 90}})
    await new_operation(h, when="2026-03-12 00:30")  # just after local midnight: the latest case
    planned = datetime(2026, 3, 12, 5, 30, tzinfo=UTC)
    bucket_end = datetime(2026, 3, 12, 17, 0, tzinfo=UTC)  # noon CDT
    for hours in (168, 72, 24):
        before = len(reminders(h))
        h.clock.set(planned - timedelta(hours=hours, minutes=1))
        await h.tick()
        h.clock.set(bucket_end - timedelta(hours=hours, minutes=1))
        await h.tick()
        assert len(reminders(h)) == before  # not before the bucket time
        h.clock.set(bucket_end - timedelta(hours=hours) + timedelta(minutes=91))
        await h.tick()
        assert len(reminders(h)) == before + 1  # at most the bucket plus the configured delay late
        # still ahead of the operation by at least half the lead time
        assert planned - h.clock.now() >= timedelta(hours=hours) - timedelta(hours=12, minutes=90)
    await h.tick(days=3)
    assert len(reminders(h)) == 3
    await h.close()


async def test_postponement_replans_the_alerts_for_the_new_date(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides=NO_JITTER)
    await new_operation(h, when="2026-03-12 10:00")  # START + 10 days
    await h.tick(days=7, hours=2)  # the 168 h and 72 h alerts have gone out (at their bucket time)
    assert len(reminders(h)) == 2
    await h.command("alice", "/operation postpone OP-1 2026-03-19 10:00", channel="dm")  # START + 17 days
    postponed = h.platform.dms("nina")[-1]
    assert postponed.startswith("*Operation OP-1 postponed*: now expected end of next week.")
    seen = len(reminders(h))
    for _ in range(24 * 11):
        await h.tick(hours=1)
    new = reminders(h)[seen:]
    # every point of the new date lies ahead again (START + 10, 14, 16 days): each is sent once more,
    # counting down to the new date; the old date's 24 h alert never goes out
    assert [t.split(":")[1].split("(")[0].strip() for t in new] == [
        "expected within the next 7 days",
        "expected within the next 3 days",
        "expected within the next 24 hours",
    ]
    assert len(reminders(h)) == 5
    await h.close()


async def test_postponing_a_little_does_not_resend_a_passed_alert(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides=NO_JITTER)
    await new_operation(h, when="2026-03-12 10:00")
    await h.tick(days=7, hours=3)  # 72 h point passed 3 hours ago
    await h.command("alice", "/operation postpone OP-1 2026-03-12 11:00", channel="dm")  # one hour later
    with h.app.services.db.session() as s:
        statuses = {
            i.key.rsplit(":", 1)[1]: i.status
            for i in s.execute(select(ScheduledItem)).scalars()
            if ":alert:" in i.key
        }
    assert statuses == {"168": "done", "72": "done", "24": "pending"}
    assert "minimum notice" not in h.platform.dms("alice")[-1]  # later is never short notice
    for _ in range(72):
        await h.tick(hours=1)
    assert [r.split(":")[1].split("(")[0].strip() for r in reminders(h)] == [
        "expected within the next 7 days",
        "expected within the next 3 days",
        "expected within the next 24 hours",
    ]
    await h.close()


async def test_cancellation_stops_every_alert_and_tells_the_ngo(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides=NO_JITTER)
    await new_operation(h, when="2026-03-12 10:00")
    await h.command("alice", "/operation cancel OP-1", channel="dm")
    assert h.platform.dms("nina")[-1].startswith("*Operation OP-1 cancelled.*")
    assert "3 pending alert(s) stopped" in h.platform.dms("alice")[-1]
    for _ in range(12):
        await h.tick(days=1)
    assert reminders(h) == []
    # the stale initial notice is neither re-sent nor escalated
    assert not any(t.startswith("Reminder") and "Operation notice" in t for t in h.platform.dms("nina"))
    await h.command("alice", "/operation update OP-1 victims=9", channel="dm")
    assert "cancelled; it can no longer be changed" in h.platform.dms("alice")[-1]
    await h.close()


async def test_unacknowledged_notice_is_resent_once_then_the_lead_is_alerted(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h, when="2026-03-30 10:00")  # no lead-time alert in the next days
    await h.tick(hours=11, minutes=59)
    assert len(h.platform.dms("nina")) == 1
    await h.tick(minutes=2)
    resent = h.platform.dms("nina")[-1]
    assert resent.startswith("Reminder — not yet acknowledged:\n*Operation notice OP-1*")
    await h.tick(hours=12)
    assert h.platform.dms("alice")[-1].startswith(
        "Safe Haven Services has not acknowledged notice 1 for OP-1"
    )
    await h.tick(days=2)
    assert sum(t.startswith("Reminder") for t in h.platform.dms("nina")) == 1
    assert sum("has not acknowledged" in t for t in h.platform.dms("alice")) == 1
    actions = [r.action for r in h.audit_rows()]
    assert (
        actions.count("operations.notice_resent") == 1 and actions.count("operations.notice_escalated") == 1
    )
    await h.command("alice", "/operation status OP-1", channel="dm")
    assert (
        "notice 1 (initial) to Nina Sato (Safe Haven Services): delivered, NOT acknowledged (re-sent, lead alerted)"
        in (h.platform.dms("alice")[-1])
    )
    await h.close()


async def test_acknowledged_notice_is_not_chased_and_status_shows_it(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.press("nina", "Acknowledge")
    assert h.platform.dms("nina")[-1] == "Thank you — notice 1 for OP-1 is acknowledged."
    await h.press("nina", "Acknowledge")
    assert "already acknowledged" in h.platform.dms("nina")[-1]
    await h.tick(days=1)
    assert not any("has not acknowledged" in t for t in h.platform.dms("alice"))
    await h.command("alice", "/operation status OP-1", channel="dm")
    assert (
        "notice 1 (initial) to Nina Sato (Safe Haven Services): delivered, acknowledged"
        in h.platform.dms("alice")[-1]
    )
    acks = [r for r in h.audit_rows() if r.action == "operations.notice_acknowledged"]
    assert len(acks) == 1 and acks[0].actor == "member:nina" and acks[0].detail == {"notice": 1}
    await h.close()


async def test_someone_else_cannot_acknowledge_an_ngo_notice(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides=_members_with_second_ngo())
    await new_operation(h, ngos=["haven"])
    assert h.platform.dms("rosa") == []  # only the chosen NGO is notified
    from bot.events import ButtonPressed
    from bot.platform import UserRef

    await h.app.dispatch(
        ButtonPressed(
            user=UserRef("console", "rosa"),
            channel=h.platform.dm_channel("rosa"),
            action_id="operations.ack",
            value="1",
        )
    )
    assert h.platform.dms("rosa") == ["That notice is not addressed to you."]
    await h.app.dispatch(
        ButtonPressed(
            user=UserRef("console", "dan"),
            channel=h.platform.dm_channel("dan"),
            action_id="operations.ack",
            value="1",
        )
    )
    assert "ngo contact" in h.platform.dms("dan")[-1]
    await h.close()


async def test_update_notice_carries_only_what_changed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("alice", "/operation update OP-1 victims=5-8 languages=Spanish,Mam", channel="dm")
    update = h.platform.dms("nina")[-1]
    assert update.split("\n")[:3] == [
        "*Operation update OP-1* — changed estimates:",
        "Estimated victims: 5–8",
        "Languages: Spanish, Mam",
    ]
    assert "Gender" not in update and "Minors" not in update and "Special needs" not in update
    before = len(h.platform.dms("nina"))
    await h.command("alice", "/operation update OP-1 location=Somewhere-else", channel="dm")
    assert len(h.platform.dms("nina")) == before  # details never go to the NGO
    assert "Nothing goes to the NGO" in h.platform.dms("alice")[-1]
    await h.command("alice", "/operation update OP-1 languages=Spanish,Mam", channel="dm")
    assert h.platform.dms("alice")[-1] == "Nothing changed in OP-1."
    await h.command("alice", "/operation update OP-1 date=2026-04-01", channel="dm")
    assert "Use postpone to change the date" in h.platform.dms("alice")[-1]
    await h.command("alice", "/operation update OP-1 languages=Spanish-5th-St", channel="dm")
    assert "language names only" in h.platform.dms("alice")[-1]
    await h.close()


async def test_short_notice_warns_the_lead_and_the_coordinator(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h, when="2026-03-04 09:00")  # 48 hours ahead, inside the 72 agreed
    assert "inside the agreed minimum notice of 72 hours" in h.platform.dms("alice")[0]
    [coordinator] = h.platform.dms("omar")
    assert "OP-1" in coordinator and "less than the agreed 72 hours" in coordinator
    assert not FORBIDDEN.search(coordinator)
    notice = h.platform.dms("nina")[0]
    assert "Expected: within the next 3 days (later this week)" in notice
    await h.close()


async def test_conclusion_notifies_the_ngo_and_prompts_the_lead_to_debrief(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("alice", "/operation conclude OP-1", channel="dm")
    assert h.platform.dms("nina")[-1].startswith("*Operation OP-1 concluded.*")
    assert any(t.startswith("OP-1 is concluded. Please hold a debrief") for t in h.platform.dms("alice"))
    await h.close()


# -- permissions --------------------------------------------------------------------------------
async def test_only_law_enforcement_operation_leads_create_or_change_operations(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    # The config and /admin refuse operation_lead for a healthcare member (docs/roles.md); the
    # permission check holds even if the role got into the database some other way.
    from storage import directory

    with h.app.services.db.session() as s:
        directory.grant_role(s, "hana", "operation_lead")
    await new_operation(h)
    for who in ("dan", "nina", "paula", "hana", "mallory"):
        for line in (
            "/operation new",
            "/operation cancel OP-1",
            "/operation update OP-1 victims=9",
            "/operation postpone OP-1 2026-04-01 10:00",
            "/operation status OP-1",
        ):
            await h.command(who, line, channel="dm")
    assert "Only law enforcement members may create or change operations." in h.platform.dms("hana")
    assert "You need the operation lead role to create or change operations." in h.platform.dms("dan")
    assert all("Recorded" not in t for who in ("dan", "nina", "paula", "hana") for t in h.platform.dms(who))
    with h.app.services.db.session() as s:
        assert s.execute(select(Operation.status)).scalar_one() == "planned"
    denied = [r for r in h.audit_rows() if r.action == "permission.denied"]
    assert len(denied) == 25
    await h.close()


async def test_ngo_and_others_cannot_see_operation_details(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h, team="dan, paula")
    for who in ("nina", "hana", "leo", "vera", "omar"):
        await h.command(who, "/operation show OP-1", channel="dm")
        assert h.platform.dms(who)[-1] == "Only law enforcement or prosecutor members may view operation details."
        assert not any("Motel canary" in t or "2026" in t for t in h.platform.private_texts(who))
    for who in ("dan", "paula", "alice"):
        await h.command(who, "/operation show OP-1", channel="core-team")
        details = h.platform.dms(who)[-1]
        assert "Planned: Thursday 2026-03-12 06:00 CDT" in details and "Location: Motel canary" in details
        assert h.platform.ephemerals(who)[-1] == "I sent you the details of OP-1 in a direct message."
    assert h.platform.channel_posts("core-team") == []
    viewed = [r.actor for r in h.audit_rows() if r.action == "operations.details_viewed"]
    assert viewed == ["member:dan", "member:paula", "member:alice"]
    await h.close()


# -- the operation team -------------------------------------------------------------------------
NOT_ON_TEAM = "You are not on the team of OP-1."


def _with_second_lead() -> dict:
    data = demo_data()
    return {
        "members": [
            *data["members"],
            {
                "handle": "bob",
                "name": "Bob Lindgren",
                "agency": "rpd",
                "discipline": "law_enforcement",
                "roles": ["operation_lead"],
            },
        ]
    }


def _sees_details(h: Harness, who: str) -> bool:
    return any("Location: Motel canary" in t for t in h.platform.private_texts(who))


async def test_law_enforcement_not_on_the_team_is_refused_the_details_and_audited(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    for who in ("dan", "paula"):
        await h.command(who, "/operation show OP-1", channel="dm")
        refusal = h.platform.dms(who)[-1]
        assert refusal.startswith(NOT_ON_TEAM) and "need to know" in refusal
        assert not _sees_details(h, who)
        assert not any("2026" in t for t in h.platform.private_texts(who))
    denied = [(r.actor, r.target) for r in h.audit_rows() if r.action == "permission.denied"]
    assert denied == [("member:dan", "view_operation_details"), ("member:paula", "view_operation_details")]
    viewed = [r.actor for r in h.audit_rows() if r.action == "operations.details_viewed"]
    assert viewed == []
    await h.command("alice", "/operation show OP-1", channel="dm")  # the recording lead is on it
    assert _sees_details(h, "alice") and "Team: Alice Brennan (alice, " in h.platform.dms("alice")[-1]
    await h.close()


async def test_a_member_added_to_the_team_sees_the_details(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("alice", "/operation team OP-1 add dan @paula", channel="dm")
    assert h.platform.dms("alice")[-1].startswith("Added Dan Okafor, Paula Reyes to the team of OP-1")
    for who in ("dan", "paula"):
        await h.command(who, "/operation show OP-1", channel="dm")
        assert "Planned: Thursday 2026-03-12 06:00 CDT" in h.platform.dms(who)[-1]
    await h.command("dan", "/operation team OP-1", channel="dm")
    listing = h.platform.dms("dan")[-1]
    assert "Alice Brennan (alice, Homeland Security Investigations) — lead" in listing
    assert "Dan Okafor" in listing and "Paula Reyes" in listing
    await h.command("alice", "/operation team OP-1 add dan", channel="dm")
    assert "Already on it: Dan Okafor." in h.platform.dms("alice")[-1]
    changes = [(r.action, r.detail) for r in h.audit_rows() if r.action.startswith("operations.team_")]
    assert changes[0] == ("operations.team_add", {"members": ["alice"]})  # at creation
    assert changes[1] == ("operations.team_add", {"members": ["dan", "paula"]})
    assert ("operations.team_viewed", {}) in [(a, d or {}) for a, d in changes]
    await h.close()


async def test_team_can_be_named_when_the_operation_is_recorded(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "alice",
        '/operation new when="2026-03-12 06:00" victims=3 location="Motel canary" team=dan',
        channel="dm",
    )
    assert h.platform.dms("alice")[-1].startswith("Recorded OP-1.")
    await h.command("dan", "/operation show OP-1", channel="dm")
    assert _sees_details(h, "dan")
    await h.command("paula", "/operation show OP-1", channel="dm")
    assert h.platform.dms("paula")[-1].startswith(NOT_ON_TEAM)
    await h.close()


async def test_healthcare_or_ngo_members_cannot_be_added_to_a_team(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("alice", "/operation team OP-1 add dan hana nina", channel="dm")
    refusal = h.platform.dms("alice")[-1]
    assert (
        "Hana Kowalski (healthcare), Nina Sato (community advocate) cannot be on an operation team" in refusal
    )
    assert "need-to-know" in refusal and refusal.endswith("Nothing was changed.")
    for who in ("dan", "hana", "nina"):  # all or nothing: dan was not added either
        await h.command(who, "/operation show OP-1", channel="dm")
        assert not _sees_details(h, who)
    actions = [(r.action, r.detail) for r in h.audit_rows() if r.action.startswith("operations.team_")]
    assert actions[-1] == ("operations.team_add_refused", {"not_eligible": ["hana", "nina"], "unknown": 0})
    await h.command("alice", "/operation team OP-1 add nobody", channel="dm")
    assert "No active directory member has the handle nobody." in h.platform.dms("alice")[-1]
    # the form refuses the field, so the lead re-answers just that field; nothing is recorded
    await h.command("alice", "/operation new", channel="dm")
    errors = await h.fill("alice", {"when": "2026-03-13 06:00", "victims": "3", "team": "paula, leo"})
    assert errors is not None and set(errors) == {"team"}
    assert "Leo Martins (civil attorney) cannot be on an operation team" in errors["team"]
    with h.app.services.db.session() as s:
        assert len(s.execute(select(Operation)).all()) == 1
    await h.close()


async def test_removal_takes_the_details_away_but_the_lead_stays(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h, team="dan")
    await h.command("alice", "/operation team OP-1 remove dan", channel="dm")
    assert h.platform.dms("alice")[-1].startswith("Removed Dan Okafor from the team of OP-1")
    await h.command("dan", "/operation show OP-1", channel="dm")
    assert h.platform.dms("dan")[-1].startswith(NOT_ON_TEAM)
    await h.command("dan", "/operation team OP-1", channel="dm")
    assert h.platform.dms("dan")[-1].startswith(NOT_ON_TEAM)
    await h.command("alice", "/operation team OP-1 remove alice", channel="dm")
    assert h.platform.dms("alice")[-1] == "The lead of OP-1 stays on its team. Nothing was changed."
    removed = [r.detail for r in h.audit_rows() if r.action == "operations.team_remove"]
    assert removed == [{"members": ["dan"]}]
    await h.close()


async def test_any_operation_lead_manages_the_team_and_the_operation_but_sees_details_only_on_it(
    tmp_path: Path,
) -> None:
    h = Harness.create(tmp_path, overrides=_with_second_lead())
    await new_operation(h)
    await h.command("bob", "/operation show OP-1", channel="dm")
    assert h.platform.dms("bob")[-1].startswith(NOT_ON_TEAM)
    await h.command("bob", "/operation status OP-1", channel="dm")
    assert h.platform.dms("bob")[-1].startswith("*OP-1* (planned) — notices to NGO contacts:")
    await h.command("bob", "/operation team OP-1", channel="dm")
    assert h.platform.dms("bob")[-1].startswith("Team of OP-1")
    await h.command("bob", "/operation team OP-1 add paula", channel="dm")
    await h.command("paula", "/operation show OP-1", channel="dm")
    assert _sees_details(h, "paula")
    for who in ("dan", "nina", "hana"):  # not leads: cannot change the team
        await h.command(who, "/operation team OP-1 add dan", channel="dm")
    assert h.platform.dms("dan")[-1] == "You need the operation lead role to create or change operations."
    await h.command("nina", "/operation team OP-1", channel="dm")
    assert h.platform.dms("nina")[-1] == "Only law enforcement or prosecutor members may view operation details."
    await h.command("bob", "/operation team OP-1 promote dan", channel="dm")
    assert h.platform.dms("bob")[-1].startswith("Usage: /operation team OP-1")
    await h.close()


# -- bad input ----------------------------------------------------------------------------------
async def test_bad_input_gets_a_clear_message_and_records_nothing(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("alice", "/operation new", channel="dm")
    errors = await h.fill("alice", {"when": "next friday", "victims": "lots", "languages": "Spanish 5th St"})
    assert errors is not None and set(errors) == {"when"}  # the form's own validation first
    await h.command(
        "alice",
        '/operation new when="2026-03-12 06:00" victims=lots languages="Spanish at 5th"',
        channel="dm",
    )
    reply = h.platform.dms("alice")[-1]
    assert "victims" in reply and "languages" in reply and "5th" not in reply
    await h.command(
        "alice", '/operation new when="2026-03-08 02:30" victims=3', channel="dm"
    )  # skipped by DST
    assert "clocks change" in h.platform.dms("alice")[-1]
    await h.command("alice", '/operation new when="2026-03-01 10:00" victims=3', channel="dm")
    assert "must be in the future" in h.platform.dms("alice")[-1]
    await h.command("alice", "/operation show OP-99", channel="dm")
    assert "No operation with that reference" in h.platform.dms("alice")[-1]
    await h.command("alice", "/operation postpone OP-1 soon", channel="dm")
    await h.command("alice", "/operation frobnicate", channel="dm")
    assert h.platform.dms("alice")[-1].startswith("Usage: /operation new")
    with h.app.services.db.session() as s:
        assert s.execute(select(Operation)).first() is None
    assert h.platform.dms("nina") == []
    odd = "📍" * 400 + "\u202e\u0000 Zalgo ̷̢̛"
    await h.command(
        "alice", f'/operation new when="2026-03-12 06:00" victims=3 location="{odd[:480]}"', channel="dm"
    )
    assert h.platform.dms("alice")[-1].startswith("Recorded OP-1.")
    await h.close()


async def test_operation_details_typed_in_a_channel_are_removed_from_it(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "alice",
        '/operation new when="2026-03-12 06:00" victims=3 location="Motel canary"',
        channel="core-team",
    )
    visible = " ".join(t for _a, t in h.platform.visible_in_channel("core-team"))
    assert "2026-03-12" not in visible and "Motel" not in visible
    assert "I removed your command from the channel" in h.platform.ephemerals("alice")[0]
    assert h.platform.channel_posts("core-team") == []
    await h.close()


# -- storage-critical scenario on both backends --------------------------------------------------
async def test_core_scenario_and_encryption_at_rest(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url, overrides=NO_JITTER)
    await new_operation(h, when="2026-03-12 10:00", location="Canary Motel 1234", notes="Canary target Smith")
    await h.press("nina", "Acknowledge")
    await h.tick(days=3, hours=2)  # the 168 h alert, at its bucket time (noon local)
    assert len(reminders(h)) == 1
    await h.command("alice", "/operation postpone OP-1 2026-03-19 10:00", channel="dm")
    await h.tick(days=7)
    await h.tick(days=4)
    await h.command("alice", "/operation conclude OP-1", channel="dm")
    await h.tick(hours=1)
    kinds = [t.split("\n")[0] for t in h.platform.dms("nina") if t.startswith("*Operation")]
    assert kinds[0] == "*Operation notice OP-1* — for your planning only; please do not forward."
    assert kinds[-1].startswith("*Operation OP-1 concluded.*")
    assert sum(k.startswith("*Operation reminder") for k in kinds) == 3  # 168 h, then 168 h and 72 h again
    with h.app.services.db.session() as s:
        ops = " ".join(str(v) for row in s.execute(text("SELECT * FROM operations")).all() for v in row)
        raw = ops + " ".join(
            str(v) for row in s.execute(text("SELECT * FROM operation_notices")).all() for v in row
        )
        raw += " ".join(
            str(v) for row in s.execute(text("SELECT payload FROM scheduled_items")).all() for v in row
        )
    for secret in ("Canary", "Smith", "Spanish", "Operation", "victims"):
        assert secret not in raw
    for planned in ("2026-03-12", "2026-03-19"):  # the planned dates never in clear
        assert planned not in ops
    assert not [
        r for r in h.audit_rows() if any(isinstance(v, str) and "Canary" in v for v in r.detail.values())
    ]
    await h.command("alice", "/operation status OP-1", channel="dm")
    assert "Lead-time alerts still to go: none" in h.platform.dms("alice")[-1]
    await h.close()


async def test_home_summary_shows_open_items(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    from bot.platform import UserRef

    assert "Operation notices to acknowledge: 1" in await h.app.home_summary(UserRef("console", "nina"))
    assert "OP-1: 0 of 1 NGO notice(s) acknowledged" in await h.app.home_summary(UserRef("console", "alice"))
    await h.close()
