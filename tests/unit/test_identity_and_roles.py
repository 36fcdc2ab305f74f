"""Identity is not editable by whoever holds admin; roles and teams never change silently.

The insider scenarios of issue 16, on the console: each asserts that the exact location of the
operation never reaches anyone off its team and that every change is told and audited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from tests.harness import Harness, demo_data

LOCATION = "Motel LOCCANARY7 room 12"


def everything_received(h: Harness, handle: str) -> str:
    return "\n".join(d.text for d in h.platform.received_by(handle))


async def new_operation(h: Harness, team: str = "") -> None:
    extra = f' team="{team}"' if team else ""
    await h.command(
        "alice",
        f'/operation new when="2026-03-20 06:00" victims=3 location="{LOCATION}" notes="entry at back"{extra}',
        channel="dm",
    )
    await h.tick()


def assert_location_only_reached(h: Harness, allowed: set[str]) -> None:
    for handle in h.platform.everyone:
        if handle in allowed:
            continue
        assert "LOCCANARY7" not in everything_received(h, handle), f"{handle} saw the location"


async def two_admins(h: Harness) -> None:
    """The demo has one admin (omar); dan becomes the second (granted by omar, never by himself)."""
    await h.command("omar", "/admin grant dan admin", channel="dm")


# -- config -----------------------------------------------------------------------------------------
def _with_member(**member: object) -> dict:
    data = demo_data()
    data["members"] = [*data["members"], {"handle": "zoe", "name": "Zoe Park", **member}]
    return data


def test_config_refuses_a_discipline_that_does_not_fit_the_agency_type() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with_member(agency="haven", discipline="law_enforcement"))
    [problem] = err.value.problems
    assert problem.startswith(
        "members[8].discipline: discipline 'law_enforcement' does not fit agency 'haven'"
    )
    assert "victim services" in problem


def test_config_refuses_a_role_that_does_not_fit_the_identity() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with_member(agency="clinic", discipline="healthcare", roles=["ngo_contact"]))
    assert err.value.problems == [
        "members[8].roles: role ngo_contact needs an agency of type victim_services"
    ]
    with pytest.raises(ConfigError) as err:
        parse_config(_with_member(agency="usao", discipline="prosecutor", roles=["operation_lead"]))
    assert err.value.problems == ["members[8].roles: role operation_lead needs discipline law_enforcement"]


def test_config_reads_the_old_agency_kinds_as_the_new_types() -> None:
    data = demo_data()
    old_names = {"victim_services": "ngo", "health": "healthcare", "other": "coordination"}
    for agency in data["agencies"]:
        kind = agency.pop("type")
        agency["kind"] = old_names.get(kind, kind)
    config = parse_config(data)
    kinds = {a.key: a.kind for a in config.agencies}
    assert kinds == {
        "hsi": "law_enforcement",
        "rpd": "law_enforcement",
        "usao": "prosecution",
        "haven": "victim_services",
        "clinic": "health",
        "legalaid": "legal",
        "tfc": "other",
    }


def test_config_refuses_an_unknown_agency_type_naming_the_key() -> None:
    data = demo_data()
    data["agencies"][3]["type"] = "church"
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert err.value.problems[0].startswith("agencies[3].type: must be one of law_enforcement, prosecution")


# -- the insider: /admin add on an existing member ------------------------------------------------------
async def test_admin_add_cannot_change_an_existing_members_discipline_or_agency(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command(
        "omar", '/admin add omar name="Omar Haddad" agency=hsi discipline=law_enforcement', channel="dm"
    )
    refusal = h.platform.dms("omar")[-1]
    assert "does not change an existing member's discipline, agency" in refusal
    assert "Nothing was changed." in refusal
    # ... and the rest of the chain fails too: no self-grant, no self-add, no details.
    await h.command("omar", "/admin grant omar operation_lead", channel="dm")
    assert "Nobody can grant a role to themselves" in h.platform.dms("omar")[-1]
    await h.command("omar", "/operation team OP-1 add omar", channel="dm")
    await h.command("omar", "/operation show OP-1", channel="dm")
    await h.command("omar", "/admin members", channel="dm")
    assert "omar: Omar Haddad — tfc, coordinator" in h.platform.dms("omar")[-1]
    assert_location_only_reached(h, {"alice"})
    denied = [r for r in h.audit_rows() if r.action == "permission.denied" and r.actor == "member:omar"]
    assert len(denied) >= 2
    await h.close()


async def test_admin_add_refuses_a_discipline_that_does_not_fit_the_agency(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "omar", '/admin add zoe name="Zoe Park" agency=haven discipline=law_enforcement', channel="dm"
    )
    assert "does not fit agency 'haven'" in h.platform.dms("omar")[-1]
    await h.command("omar", '/admin add zoe name="Zoe Park" agency=haven discipline=prosecutor', channel="dm")
    assert "does not fit agency 'haven'" in h.platform.dms("omar")[-1]
    await h.command("omar", "/admin members", channel="dm")
    assert "zoe" not in h.platform.dms("omar")[-1]
    await h.close()


async def test_admin_add_may_still_correct_a_members_display_name(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "omar",
        '/admin add nina name="Nina Sato-Reyes" agency=haven discipline=community_advocate',
        channel="dm",
    )
    assert h.platform.dms("omar")[-1].startswith("Updated nina's name")
    await h.command("omar", "/admin members", channel="dm")
    assert (
        "nina: Nina Sato-Reyes — haven, community_advocate; roles: core_team, ngo_contact"
        in h.platform.dms("omar")[-1]
    )
    await h.close()


async def test_admin_add_cannot_rebind_a_members_platform_id(tmp_path: Path) -> None:
    """Binding one's own Slack account to the point person's handle would take over their identity."""
    h = Harness.create(tmp_path)
    await h.command(
        "omar",
        '/admin add vera name="Vera Lindqvist" agency=usao discipline=systems_advocate slack_id=U0OMAR',
        channel="dm",
    )
    assert "does not change an existing member's slack_id" in h.platform.dms("omar")[-1]
    await h.close()


# -- identity change with a second admin ------------------------------------------------------------------
async def test_identity_change_needs_a_second_admin_and_drops_roles_and_team_places(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await new_operation(h, team="dan, paula")
    await h.command("omar", "/admin identity paula agency=rpd discipline=law_enforcement", channel="dm")
    assert "IR-1 is waiting for another admin's approval (dan asked)" in h.platform.dms("omar")[-1]
    # Nothing has changed yet: paula is still a prosecutor on the team.
    await h.command("omar", "/admin members", channel="dm")
    assert "paula: Paula Reyes — usao, prosecutor; roles: core_team" in h.platform.dms("omar")[-1]
    # The requester cannot approve their own request, even by typing it.
    await h.command("omar", "/admin approve IR-1", channel="dm")
    assert "A second admin must approve" in h.platform.dms("omar")[-1]
    await h.tick()
    assert "Identity change IR-1: Omar Haddad asks to change Paula Reyes" in h.platform.dms("dan")[-1]
    await h.press("dan", "Approve")
    assert h.platform.dms("dan")[-1].startswith("Approved IR-1: paula is now rpd, law_enforcement.")
    await h.tick()
    assert "Roles dropped: core_team; team places dropped: OP-1" in h.platform.dms("paula")[-1]
    assert (
        "Paula Reyes was taken off the team of OP-1 because their discipline or agency changed"
        in h.platform.dms("alice")[-1]
    )
    await h.command("paula", "/operation show OP-1", channel="dm")
    assert "You are not on the team of OP-1" in h.platform.dms("paula")[-1]
    [row] = [r for r in h.audit_rows() if r.action == "directory.identity_changed"]
    assert row.actor == "member:dan"
    assert row.detail == {
        "request": "IR-1",
        "fields": ["agency", "discipline"],
        "roles_dropped": ["core_team"],
        "teams_left": ["OP-1"],
    }
    assert_location_only_reached(h, {"alice", "dan", "paula"})
    await h.close()


async def test_an_ngo_caseworker_cannot_be_made_a_prosecutor_of_her_own_agency(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await h.command("omar", "/admin identity nina discipline=prosecutor", channel="dm")
    assert "does not fit agency 'haven'" in h.platform.dms("omar")[-1]
    await h.command("omar", "/admin requests", channel="dm")
    assert h.platform.dms("omar")[-1] == "No identity changes are waiting."
    await h.close()


async def test_identity_request_lapses_and_can_be_rejected(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await h.command("omar", "/admin identity hana agency=haven", channel="dm")
    await h.command("dan", "/admin reject IR-1", channel="dm")
    assert h.platform.dms("dan")[-1] == "IR-1 is rejected; nothing changed."
    await h.command("dan", "/admin approve IR-1", channel="dm")
    assert h.platform.dms("dan")[-1] == "IR-1 is already rejected."
    await h.command("omar", "/admin identity hana agency=haven", channel="dm")
    h.clock.advance(hours=73)
    await h.command("dan", "/admin approve IR-2", channel="dm")
    assert "lapsed" in h.platform.dms("dan")[-1]
    await h.command("omar", "/admin members", channel="dm")
    assert "hana: Hana Kowalski — clinic, healthcare" in h.platform.dms("omar")[-1]
    await h.close()


async def test_a_tampered_approve_button_for_another_request_is_checked_like_the_command(
    tmp_path: Path,
) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await h.command("dan", "/admin identity hana agency=haven", channel="dm")  # IR-1, asked by dan
    # omar presses an approve button whose value was altered to name dan's own request: fine (omar
    # is a second admin). dan pressing approve on his own request is refused.
    from bot.events import ButtonPressed
    from bot.platform import ChannelRef, UserRef

    await h.app.dispatch(
        ButtonPressed(
            UserRef("console", "dan"),
            ChannelRef("console", "dm:dan", True),
            "directory.identity.approve",
            "1",
        )
    )
    assert "A second admin must approve" in h.platform.dms("dan")[-1]
    await h.app.dispatch(
        ButtonPressed(
            UserRef("console", "nina"),
            ChannelRef("console", "dm:nina", True),
            "directory.identity.approve",
            "1",
        )
    )
    assert "admin" in h.platform.dms("nina")[-1]
    await h.command("omar", "/admin members", channel="dm")
    assert "hana: Hana Kowalski — clinic, healthcare" in h.platform.dms("omar")[-1]
    await h.close()


# -- grants -----------------------------------------------------------------------------------------------
async def test_nobody_grants_themselves_a_role(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    for role in ("point_person", "admin", "core_team", "ngo_contact"):
        await h.command("omar", f"/admin grant omar {role}", channel="dm")
        assert "Nobody can grant a role to themselves" in h.platform.dms("omar")[-1]
    await h.command("omar", "/admin members", channel="dm")
    assert (
        "omar: Omar Haddad — tfc, coordinator; roles: admin, backup_point_person, core_team"
        in h.platform.dms("omar")[-1]
    )
    await h.close()


async def test_roles_that_do_not_fit_the_identity_are_refused(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", "/admin grant nina operation_lead", channel="dm")
    assert "role operation_lead needs discipline law_enforcement" in h.platform.dms("omar")[-1]
    await h.command("omar", "/admin grant hana ngo_contact", channel="dm")
    assert "role ngo_contact needs an agency of type victim_services" in h.platform.dms("omar")[-1]
    await h.close()


async def test_point_person_handover_tells_the_old_and_new_point_person_and_the_coordinator(
    tmp_path: Path,
) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await h.command("dan", "/admin grant hana point_person", channel="dm")
    assert (
        h.platform.dms("dan")[-1] == "Done: grant point_person to hana (taken from vera, who has been told)."
    )
    await h.tick()
    assert (
        "You are no longer the point person: Dan Okafor gave the role to Hana Kowalski"
        in h.platform.dms("vera")[-1]
    )
    assert (
        "Dan Okafor made you the point person (taking over from Vera Lindqvist)" in h.platform.dms("hana")[-1]
    )
    assert (
        "Handover: Hana Kowalski is now the point person (before: Vera Lindqvist), set by Dan Okafor."
        in h.platform.dms("omar")[-1]
    )
    [row] = [
        r for r in h.audit_rows() if r.action == "directory.role_grant" and r.detail["role"] == "point_person"
    ]
    assert row.detail["taken_from"] == ["vera"]
    await h.close()


# -- teams --------------------------------------------------------------------------------------------------
async def test_nobody_adds_themselves_to_an_operation_team(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("omar", "/admin grant dan operation_lead", channel="dm")
    await h.command("dan", "/operation team OP-1 add dan", channel="dm")
    assert "Nobody can add themselves to an operation team" in h.platform.dms("dan")[-1]
    await h.command("dan", "/operation show OP-1", channel="dm")
    assert_location_only_reached(h, {"alice"})
    await h.close()


async def test_the_lead_is_told_of_every_team_change_made_by_someone_else(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("omar", "/admin grant dan operation_lead", channel="dm")
    await h.command("dan", "/operation team OP-1 add paula", channel="dm")
    await h.tick()
    assert "Dan Okafor added Paula Reyes (paula) to the team of OP-1" in h.platform.dms("alice")[-1]
    await h.command("dan", "/operation team OP-1 remove paula", channel="dm")
    await h.tick()
    assert "Dan Okafor removed Paula Reyes (paula) from the team of OP-1" in h.platform.dms("alice")[-1]
    await h.close()


# -- deactivation -------------------------------------------------------------------------------------------
async def test_deactivation_takes_effect_everywhere_at_once(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await two_admins(h)
    await new_operation(h, team="paula")
    # A tip is queued for vera but not delivered yet (the platform is down for a moment).
    await h.command("nina", "/tip white van at the Bellaire motel, two young women", channel="dm")
    h.platform.outage = True
    await h.session("nina").press("1")  # Send to the point person
    h.platform.outage = False
    vera_before = len(h.platform.received_by("vera"))
    assert not any("white van" in d.text for d in h.platform.received_by("vera"))
    await h.command("dan", "/admin deactivate vera", channel="dm")
    assert "1 queued tip message(s) re-routed" in h.platform.dms("dan")[-1]
    await h.command("omar", "/admin deactivate paula", channel="dm")
    await h.tick(minutes=5)
    # vera (deactivated) got nothing more; omar, the backup, got the tip.
    assert len(h.platform.received_by("vera")) == vera_before
    assert any("white van" in t for t in h.platform.dms("omar"))
    assert (
        "Paula Reyes was taken off the team of OP-1 because they were deactivated"
        in h.platform.dms("alice")[-1]
    )
    # Escalations of unacknowledged tips go to the backup only, never the deactivated member.
    await h.tip("nina", "another van seen near the clinic")
    await h.tick(hours=48)
    assert len(h.platform.received_by("vera")) == vera_before
    assert_location_only_reached(h, {"alice", "paula"})
    await h.close()


async def test_directory_sync_changes_identity_from_the_config_and_drops_team_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib import resources

    from bot.cli import main as cli_main

    h = Harness.create(tmp_path)
    await new_operation(h, team="paula")
    await h.close()
    text = resources.files("bot").joinpath("demo/config.toml").read_text(encoding="utf-8")
    paula = 'handle = "paula"\nname = "Paula Reyes"\nagency = "usao"\ndiscipline = "prosecutor"'
    assert paula in text
    text = text.replace(paula, paula.replace('"usao"', '"rpd"').replace('"prosecutor"', '"law_enforcement"'))
    keyfile = tmp_path / "k.keys"
    keyfile.write_text(h.keyring.dumps())
    text = text.replace('url = "sqlite:///var/needtoknow-demo.db"', f'url = "sqlite:///{tmp_path}/needtoknow.db"')
    text = text.replace('key_file = "var/demo.keys"', f'key_file = "{keyfile}"')
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    assert cli_main(["--config", str(cfg), "directory", "sync"]) == 0
    assert "paula: discipline or agency changed by the config; team places dropped: OP-1" in capsys.readouterr().out
    h2 = Harness.create(tmp_path, keyring=h.keyring)
    await h2.command("paula", "/operation show OP-1", channel="dm")
    assert "You are not on the team of OP-1" in h2.platform.dms("paula")[-1]
    assert [r.detail for r in h2.audit_rows() if r.action == "directory.identity_changed"] == [
        {"source": "config", "teams_left": ["OP-1"]}
    ]
    from datetime import UTC, datetime, timedelta

    h2.clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the sync queued with the real time
    await h2.tick()  # the running bot delivers what the sync queued: the lead is told
    assert any(
        "Paula Reyes was taken off the team of OP-1 because their discipline or agency changed in the configuration"
        in t
        for t in h2.platform.dms("alice")
    )
    await h2.close()


async def test_a_deactivated_member_comes_back_with_the_same_identity_and_no_roles(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", "/admin deactivate nina", channel="dm")
    await h.command("omar", '/admin add nina name="Nina Sato" agency=hsi discipline=law_enforcement', channel="dm")
    assert "does not change an existing member's discipline, agency" in h.platform.dms("omar")[-1]
    await h.command("omar", '/admin add nina name="Nina Sato"', channel="dm")
    assert h.platform.dms("omar")[-1].startswith("Reactivated nina (haven, community_advocate) with no roles")
    await h.command("omar", "/admin members", channel="dm")
    assert "nina: Nina Sato — haven, community_advocate; roles: -\n" in h.platform.dms("omar")[-1] + "\n"
    assert h.audit_rows()[-1].action == "directory.member_reactivated"
    await h.close()


async def test_an_ngo_caseworker_added_as_law_enforcement_never_reaches_an_operation(tmp_path: Path) -> None:
    """The issue's second scenario: an NGO-agency member with discipline law_enforcement was
    accepted, added herself to a team, and the lead was not told. Each step is now refused."""
    h = Harness.create(tmp_path)
    await new_operation(h)
    await h.command("omar", '/admin add zoe name="Zoe Park" agency=haven discipline=law_enforcement', channel="dm")
    assert "does not fit agency 'haven'" in h.platform.dms("omar")[-1]
    await h.command("omar", '/admin add zoe name="Zoe Park" agency=haven discipline=community_advocate', channel="dm")
    await h.command("omar", "/admin grant zoe operation_lead", channel="dm")
    assert "role operation_lead needs discipline law_enforcement" in h.platform.dms("omar")[-1]
    await h.command("zoe", "/operation team OP-1 add zoe", channel="dm")
    await h.command("alice", "/operation team OP-1 add zoe", channel="dm")
    assert "cannot be on an operation team" in h.platform.dms("alice")[-1]
    await h.command("zoe", "/operation show OP-1", channel="dm")
    await h.tick()
    assert_location_only_reached(h, {"alice"})
    assert not any("LOCCANARY7" in d.text for d in h.platform.received_by("zoe"))
    await h.close()
