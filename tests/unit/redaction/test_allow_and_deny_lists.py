"""Directory members stay readable; known aliases are masked although only their keyed hashes are held."""

from __future__ import annotations

import threading

import pytest

from redaction import RedactionSettings, Redactor, normalise_alias

from .conftest import keyed_test_hash


def test_member_name_on_allow_list_is_not_flagged(redactor: Redactor) -> None:
    with_members = redactor.with_allow_terms(["Dana Whitfield", "Harris County DA"])
    assert with_members.detect("Dana Whitfield from the DA's office will sign") == []


def test_allow_list_does_not_hide_a_different_person(redactor: Redactor) -> None:
    with_members = redactor.with_allow_terms(["Dana Whitfield"])
    assert with_members.redact("Dana Whitfield met Maria Lopez").text == "Dana Whitfield met [PERSON]"


def test_allow_list_shares_the_loaded_model(redactor: Redactor) -> None:
    other = redactor.allow(["HSI"])
    assert other.nlp is redactor.nlp
    assert redactor.settings.allow_terms == ()


def test_allowed_hotline_number_is_not_masked(redactor: Redactor) -> None:
    allowed = redactor.with_allow_terms(["1-888-373-7888"])
    assert allowed.detect("Polaris hotline is 1-888-373-7888") == []


def test_deny_listed_alias_is_masked_from_its_hash_only() -> None:
    digest = keyed_test_hash(normalise_alias("Big Papi"))
    denying = Redactor(RedactionSettings(deny_hashes=frozenset({digest})), keyed_hash=keyed_test_hash)
    result = denying.redact("heard big  papi is back in town")
    assert result.text == "heard [PERSON] is back in town"
    assert result.findings[0].source == "deny_list"


def test_deny_listed_handle_matches_with_sigil() -> None:
    digest = keyed_test_hash(normalise_alias("lilbanks"))
    denying = Redactor(RedactionSettings(deny_hashes=frozenset({digest})), keyed_hash=keyed_test_hash)
    assert "lilbanks" not in denying.redact("check $lilbanks and LILBANKS").text


def test_deny_list_without_a_keyed_hash_is_refused() -> None:
    with pytest.raises(ValueError, match="keyed_hash"):
        Redactor(RedactionSettings(deny_hashes=frozenset({"ab12"})))


def test_redactor_is_safe_to_share_between_threads(redactor: Redactor) -> None:
    texts = [f"Maria Lopez {n} called from 713-555-{n:04d}" for n in range(40)]
    expected = [redactor.redact(t) for t in texts]
    results: dict[int, list[object]] = {}

    def worker(slot: int) -> None:
        results[slot] = [redactor.redact(t) for t in texts]

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[slot] == expected for slot in range(4))
