"""The policy table covers every action, and says exactly what docs/roles.md promises.

* ``test_every_action_in_the_router_has_a_row`` walks the router's registry (commands, their
  subcommands, button ids, forms) and fails for any action without a row (and any stale row).
* ``test_role_discipline_agency_type_matrix`` asserts allow/deny for every role x discipline x agency
  type x action against ``expected`` below — written from the documented rules, not from the table.
* The dispatch tests press buttons as someone other than their recipient and with values that
  point at another record, and check that the gate in ``App`` answers like the table.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from bot.config import AGENCY_TYPES, DISCIPLINES, ROLES
from bot.events import ButtonPressed
from bot.platform import ChannelRef, UserRef
from bot.router import Router
from handlers.policy import ACTIONS, Action, Permission, action_allowed, command_action
from storage.directory import AgencyView, MemberView
from tests.harness import Harness

# -- the registry walk ---------------------------------------------------------------------------------


def registry_actions(router: Router) -> set[str]:
    """Every action a member can trigger, as policy keys."""
    keys: set[str] = set()
    for name, spec in router.commands.items():
        keys.add(name)
        keys.update(f"{name} {sub}" for sub in spec.subcommands)
    for prefix, ids in router.action_ids.items():
        assert ids, f"button prefix {prefix!r} declares no action ids"
        assert all(i.startswith(prefix) for i in ids)
        keys.update(f"button:{i}" for i in ids)
    keys.update(f"form:{form_id}" for form_id in router.forms)
    return keys


def missing_rows(router: Router) -> set[str]:
    return registry_actions(router) - set(ACTIONS)


async def test_every_action_in_the_router_has_a_row(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    router = h.app.router
    assert missing_rows(router) == set()
    assert set(ACTIONS) - registry_actions(router) == set(), "rows for actions nobody registers"
    await h.close()


def test_the_registry_walk_fails_for_an_action_without_a_row() -> None:
    router = Router()

    async def noop(event: Any, ctx: Any) -> None:
        return None

    router.command("tip", summary="s", subcommands=("ack", "teleport"))(noop)
    router.action("tips.", ids=("tips.ack", "tips.selfdestruct"))(noop)
    router.form("tips.secret", build=lambda ctx, user, context: None)(noop)  # type: ignore[arg-type, return-value]
    assert missing_rows(router) == {"tip teleport", "button:tips.selfdestruct", "form:tips.secret"}


async def test_an_unregistered_button_id_under_a_known_prefix_is_refused(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await press(h, "vera", "tips.reveal_all", "T-0001")
    assert h.platform.dms("vera")[-1] == "That button is no longer active."
    await h.close()


def test_command_lines_resolve_to_their_action_keys() -> None:
    subs = ("team", "team add", "team remove", "show")
    assert command_action("operation", "team OP-1 add dan", subs) == "operation team add"
    assert command_action("operation", "TEAM OP-1 remove dan", subs) == "operation team remove"
    assert command_action("operation", "team OP-1", subs) == "operation team"
    assert command_action("operation", "show OP-2", subs) == "operation show"
    assert command_action("operation", "launch OP-2", subs) == "operation"
    assert command_action("operation", "", subs) == "operation"


# -- the matrix ------------------------------------------------------------------------------------------
HANDLERS = {"point_person", "backup_point_person"}


def expected(roles: set[str], discipline: str, agency_type: str, key: str) -> bool:
    """The documented rules (README "Roles and permissions", docs/roles.md), written out by hand."""
    le_or_prosecutor = discipline in ("law_enforcement", "prosecutor") and agency_type in (
        "law_enforcement",
        "prosecution",
    )
    lead = "operation_lead" in roles and discipline == "law_enforcement" and agency_type == "law_enforcement"
    if key in ("help", "preview", "tip", "form:tips.new", "tip help", "release", "release check"):
        return True
    if key in ("button:tips.confirm", "button:tips.discard"):
        return True
    if key.startswith(("button:pii.", "form:pii.")):
        return True
    if key in ("button:tips.info.yes", "button:tips.info.no"):
        return True  # answered by whoever the question went to (ownership, tested below)
    if key.startswith(("tip ", "button:tips.", "form:tips.")):
        return bool(roles & HANDLERS)
    if key.startswith("case"):
        return bool(roles & (HANDLERS | {"core_team", "admin"}))
    if key in ("pii", "pii report"):
        return "admin" in roles or discipline == "coordinator"
    if key in ("operation show", "operation list", "operation team"):
        return le_or_prosecutor
    if key == "button:operations.ack":
        return "ngo_contact" in roles and agency_type == "victim_services"
    if key.startswith(("operation", "form:operations.")):
        return lead
    if key.startswith(("release ", "form:releases.")):
        return True  # every member records and checks releases for their own agency
    if key.startswith(("admin", "button:directory.")):
        return "admin" in roles
    raise AssertionError(f"no documented rule for {key!r}: document it and add it here")


def member(roles: set[str], discipline: str, agency_type: str, active: bool = True) -> MemberView:
    return MemberView(
        id=1,
        handle="x",
        display_name="X",
        discipline=discipline,
        agency=AgencyView(1, "a", "A", agency_type),
        roles=frozenset(roles),
        identities=(("console", "x"),),
        active=active,
    )


ROLE_SETS: list[set[str]] = [set(), *({r} for r in ROLES)]


def test_role_discipline_agency_type_matrix() -> None:
    cases = 0
    wrong: list[str] = []
    for roles, discipline, agency_type, key in itertools.product(
        ROLE_SETS, DISCIPLINES, AGENCY_TYPES, sorted(ACTIONS)
    ):
        allowed = action_allowed(member(roles, discipline, agency_type), key)
        if allowed != expected(roles, discipline, agency_type, key):
            wrong.append(f"{sorted(roles)} {discipline} {agency_type} {key}: table says {allowed}")
        cases += 1
    assert wrong == []
    assert cases == len(ROLE_SETS) * len(DISCIPLINES) * len(AGENCY_TYPES) * len(ACTIONS)
    print(f"policy matrix: {len(ACTIONS)} actions, {cases} allow/deny cases")


def test_configured_admins_may_read_tips_only_when_the_config_says_so() -> None:
    admin = member({"admin"}, "coordinator", "other")
    assert not action_allowed(admin, "tip show")
    assert action_allowed(admin, "tip show", frozenset({"admin"}))


# -- the gate on real dispatch (console) ------------------------------------------------------------------
LINES = {
    "help": "/help",
    "preview": "/preview",
    "tip list": "/tip list",
    "tip ack": "/tip ack",
    "tip show": "/tip show",
    "case": "/case",
    "case list": "/case list extra",
    "pii report": "/pii report 99",
    "operation": "/operation",
    "operation new": "/operation new extra",
    "operation show": "/operation show OP-99",
    "operation list": "/operation list",
    "operation team": "/operation team OP-99",
    "operation team add": "/operation team OP-99 add",
    "operation status": "/operation status OP-99",
    "operation cancel": "/operation cancel OP-99",
    "release check": "/release check",
    "release revoke": "/release revoke",
    "admin": "/admin",
    "admin members": "/admin members",
    "admin grant": "/admin grant",
    "admin deactivate": "/admin deactivate",
    "admin approve": "/admin approve",
}


async def test_the_gate_answers_like_the_table_for_every_demo_member(tmp_path: Path) -> None:
    """Each demo member types a harmless form of each command; a refusal (audited) must happen
    exactly when ``expected`` says so."""
    h = Harness.create(tmp_path)
    with h.app.services.db.session() as s:
        from storage import directory

        people = [m for m in directory.all_members(s)]
    wrong = []
    for m in people:
        for key, line in LINES.items():
            assert (
                command_action(
                    line.split()[0][1:],
                    line.partition(" ")[2],
                    h.app.router.commands[line.split()[0][1:]].subcommands,
                )
                == key
            )
            before = sum(1 for r in h.audit_rows() if r.action == "permission.denied")
            await h.command(m.handle, line, channel="dm")
            denied = sum(1 for r in h.audit_rows() if r.action == "permission.denied") > before
            if denied == expected(set(m.roles), m.discipline, m.agency_type, key):
                wrong.append(f"{m.handle} {line}: denied={denied}")
    assert wrong == []
    await h.close()


async def press(h: Harness, handle: str, action_id: str, value: str) -> None:
    """Press a button whose id and value the presser chose (a tampered payload)."""
    await h.app.dispatch(
        ButtonPressed(
            UserRef("console", handle),
            h.platform.dm_channel(handle),
            action_id,
            value,
        )
    )


async def _tip(h: Harness) -> None:
    await h.command("nina", "/tip white van outside the Bellaire motel", channel="dm")
    if h.platform.last_buttons("nina")[1] is not None and any(
        b.action_id == "tips.confirm"
        for b in h.platform.last_buttons("nina")[1].buttons  # type: ignore[union-attr]
    ):
        await h.press("nina", "Send to the point person")
    await h.tick()


async def test_tip_buttons_pressed_by_someone_other_than_their_recipient_are_refused(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await _tip(h)
    for handle in ("nina", "dan", "alice", "hana"):
        for action in ("tips.ack", "tips.close", "tips.dup", "tips.meeting"):
            await press(h, handle, action, "T-0001")
            assert "point person" in h.platform.dms(handle)[-1], (handle, action)
    await h.command("vera", "/tip show T-0001", channel="dm")
    assert "Status: new" in h.platform.dms("vera")[-1]  # nobody acknowledged it
    await h.close()


async def test_a_tip_question_is_answered_only_by_whom_it_was_sent_to(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await _tip(h)
    await h.command("vera", "/tip disseminate T-0001", channel="dm")
    await h.tick()
    for handle in ("hana", "leo"):  # not Core Team: never asked
        await press(h, handle, "tips.info.yes", "T-0001")
        assert h.platform.dms(handle)[-1] == "That question was not sent to you."
    await press(h, "dan", "tips.info.yes", "T-0002")  # asked about T-0001, value tampered
    assert "T-0002" in h.platform.dms("dan")[-1] or "not sent to you" in h.platform.dms("dan")[-1]
    await h.close()


async def test_an_operation_notice_is_acknowledged_only_by_its_ngo(tmp_path: Path) -> None:
    h = Harness.create(
        tmp_path,
        overrides={},
    )
    await h.command(
        "alice", '/operation new when="2026-03-20 06:00" victims=3 location="Motel LOCCANARY7"', channel="dm"
    )
    await h.tick()
    for handle in ("dan", "alice", "hana", "vera"):
        await press(h, handle, "operations.ack", "1")
        assert "ngo contact" in h.platform.dms(handle)[-1] or "victim services" in h.platform.dms(handle)[-1]
    await press(h, "nina", "operations.ack", "999")  # a notice that is not hers
    assert h.platform.dms("nina")[-1] == "That notice is not addressed to you."
    await h.close()


async def test_operation_details_of_another_operation_are_refused_to_a_team_member(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    for n in (1, 2):
        await h.command(
            "alice",
            f'/operation new when="2026-03-2{n} 06:00" victims=3 location="Motel LOCCANARY{n}" team=dan',
            channel="dm",
        )
    await h.command("alice", "/operation team OP-2 remove dan", channel="dm")
    await h.command("dan", "/operation show OP-2", channel="dm")
    assert "You are not on the team of OP-2" in h.platform.dms("dan")[-1]
    assert not any("LOCCANARY2" in d.text for d in h.platform.received_by("dan"))
    await h.close()


async def test_a_pii_warning_button_pressed_by_someone_else_is_refused(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.say("dan", "Call Maria Lopez at 713-555-0142 about the bed", channel="general")
    _ref, warning = h.platform.last_buttons("dan")
    assert warning is not None
    token = warning.buttons[0].value
    await press(h, "nina", warning.buttons[0].action_id, token)
    assert h.platform.dms("nina")[-1] == "That warning has expired or was already handled."
    assert "713-555-0142" not in "\n".join(d.text for d in h.platform.received_by("nina") if d.kind != "post")
    await h.close()


async def test_a_release_of_another_agency_cannot_be_revoked(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "nina",
        "/release new client=C-1187 agency=hsi categories=case_details "
        'purpose="coordination of care" signed=2026-03-01 expires=2026-05-01',
        channel="dm",
    )
    assert "Recorded release R-1" in h.platform.dms("nina")[-1]
    await h.command("hana", "/release revoke R-1", channel="dm")
    assert h.platform.dms("hana")[-1].startswith("No release with that reference belongs to your agency")
    await h.close()


# Every ownership rule in the table has a test above that presses or types the action as someone
# else or with a value pointing at another record.
OWNERSHIP_TESTS = {
    "any tip: the point person and backup share one queue": test_tip_buttons_pressed_by_someone_other_than_their_recipient_are_refused,
    "only the member the tip question was sent to": test_a_tip_question_is_answered_only_by_whom_it_was_sent_to,
    "only the NGO contact (or their agency's contacts) the notice was sent to": test_an_operation_notice_is_acknowledged_only_by_its_ngo,
    "only members of that operation's team": test_operation_details_of_another_operation_are_refused_to_a_team_member,
    "only the member whose message was flagged (or who asked for the preview)": test_a_pii_warning_button_pressed_by_someone_else_is_refused,
    "only members of the agency that recorded the release (and admins)": test_a_release_of_another_agency_cannot_be_revoked,
}


def test_every_ownership_rule_has_a_tampering_test() -> None:
    from tests.unit import test_identity_and_roles as identity

    covered = dict(OWNERSHIP_TESTS)
    covered["a second admin: not the requester, not the member concerned"] = (
        identity.test_a_tampered_approve_button_for_another_request_is_checked_like_the_command
    )
    covered["never on themselves"] = identity.test_nobody_grants_themselves_a_role
    covered["any operation lead, never themselves; the operation's lead is told"] = (
        identity.test_nobody_adds_themselves_to_an_operation_team
    )
    covered["only the member who wrote the draft"] = test_a_tip_draft_is_confirmed_only_by_its_writer
    rules = {a.owner for a in ACTIONS.values() if a.owner is not None}
    assert rules - set(covered) == set()


async def test_a_tip_draft_is_confirmed_only_by_its_writer(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip white van outside the Bellaire motel", channel="dm")
    _ref, draft = h.platform.last_buttons("nina")
    assert draft is not None
    confirm = next(b for b in draft.buttons if b.action_id == "tips.confirm")
    for handle in ("dan", "vera"):
        await press(h, handle, "tips.confirm", confirm.value)
        assert h.platform.dms(handle)[-1] == "That tip draft is not yours; nothing was sent."
        await press(h, handle, "tips.discard", confirm.value)
    await press(h, "nina", "tips.confirm", "a-guessed-token")
    assert "expired or was already sent" in h.platform.dms("nina")[-1]
    await h.tick()
    assert not any("white van" in d.text for d in h.platform.received_by("vera"))
    await h.press("nina", "Send to the point person")  # the writer's own press still works
    await h.tick()
    assert any("white van" in d.text for d in h.platform.received_by("vera"))
    await h.close()


def test_rows_name_known_permissions() -> None:
    assert all(isinstance(a, Action) and isinstance(a.permission, Permission) for a in ACTIONS.values())


@pytest.mark.parametrize("key", sorted(ACTIONS))
def test_inactive_members_are_refused_every_action(key: str) -> None:
    from handlers.policy import PermissionDenied, check

    with pytest.raises(PermissionDenied):
        check(member(set(ROLES), "law_enforcement", "law_enforcement", active=False), ACTIONS[key].permission)


_ = ChannelRef


def test_docs_show_the_policy_table_as_the_code_has_it() -> None:
    from handlers.policy import markdown_table

    docs = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text(encoding="utf-8")
    assert markdown_table() in docs, "regenerate the table in docs/roles.md with handlers.policy.markdown_table()"
