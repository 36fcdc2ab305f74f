"""Directory members stay readable; known aliases are masked although only their keyed hashes are held."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from redaction import RedactionSettings, Redactor, normalise_alias
from storage.crypto import KeyedHasher, KeyRing

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


def test_deny_hash_command_gives_digests_the_bot_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`needtoknow deny-hash` reads aliases from stdin (never argv) and prints what redaction.deny_hashes needs."""
    keyfile = tmp_path / "t.keys"
    assert cli_main(["keygen", "--out", str(keyfile)]) == 0
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[security]\nkey_file = "{keyfile}"\n', encoding="utf-8")
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("Big  PAPI\n\n$lilbanks\n"))
    assert cli_main(["--config", str(cfg), "deny-hash"]) == 0
    digests = capsys.readouterr().out.split()
    assert len(digests) == 2 and "papi" not in " ".join(digests).lower()
    hasher = KeyedHasher(KeyRing.loads(keyfile.read_text()).hmac_key)
    denying = Redactor(RedactionSettings(deny_hashes=frozenset(digests)), keyed_hash=hasher)
    assert denying.redact("heard big papi is back, paid lilbanks").text == "heard [PERSON] is back, paid [PERSON]"

    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert cli_main(["--config", str(cfg), "deny-hash"]) == 2
    assert "no aliases" in capsys.readouterr().err
