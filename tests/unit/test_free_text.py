"""Free text that is shown back to others is refused when it looks like PII, with the redacted
suggestion — never the original — and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.operations import Operation
from storage.releases import ReleaseOfInformation
from tests.harness import Harness


def _count(h: Harness, model: type) -> int:
    with h.app.services.db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


RELEASE = (
    "/release new client=C-1187 agency=hsi categories=case_details "
    "signed=2026-03-01 expires=2026-05-01 {field}"
)


@pytest.mark.parametrize(
    ("field", "secret", "mask"),
    [
        ('purpose="housing for Maria Lopez at 1412 Bellaire Blvd"', "Maria Lopez", "[PERSON]"),
        ('purpose="coordination of care" scope="call her at 713-555-0142"', "713-555-0142", "[PHONE]"),
        ('purpose="coordination" scope="write to maria.lopez@example.com"', "maria.lopez", "[EMAIL]"),
    ],
)
async def test_release_purpose_or_scope_with_pii_is_refused_with_the_redacted_suggestion(
    tmp_path: Path, field: str, secret: str, mask: str
) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", RELEASE.format(field=field), channel="dm")
    reply = h.platform.dms("nina")[-1]
    assert "is shown back to other members" in reply and mask in reply and "Nothing was stored" in reply
    assert secret not in reply
    assert _count(h, ReleaseOfInformation) == 0
    await h.command("nina", "/release check C-1187 hsi case_details", channel="dm")
    assert secret not in "\n".join(h.platform.private_texts("nina"))
    assert not any(r.action == "release.recorded" for r in h.audit_rows())
    await h.close()


async def test_release_form_asks_for_the_purpose_again(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/release new", channel="dm")
    errors = await h.fill(
        "nina",
        {
            "client": "C-1187",
            "agency": "hsi",
            "categories": ["case_details"],
            "purpose": "shelter bed for Maria Lopez",
            "signed": "2026-03-01",
            "expires": "2026-05-01",
        },
    )
    assert errors is not None and set(errors) == {"purpose"}
    assert "[PERSON]" in errors["purpose"] and "Maria" not in errors["purpose"]
    assert _count(h, ReleaseOfInformation) == 0
    await h.close()


async def test_a_plain_purpose_and_scope_are_recorded_and_echoed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "nina",
        RELEASE.format(field='purpose="coordination of care for the T-visa application" scope="safety planning with HSI"'),
        channel="dm",
    )
    assert "Recorded release R-1" in h.platform.dms("nina")[-1]
    await h.close()


async def test_operation_languages_with_a_name_are_refused_and_the_ngo_hears_nothing(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command(
        "alice",
        '/operation new when="2026-03-20 06:00" victims=3 languages="Spanish, Maria Lopez" location="Motel LOCCANARY9"',
        channel="dm",
    )
    reply = h.platform.dms("alice")[-1]
    assert "Languages is shown back" in reply and "[PERSON]" in reply and "Maria" not in reply
    assert _count(h, Operation) == 0
    await h.tick()
    assert h.platform.dms("nina") == []
    await h.command("alice", '/operation new when="2026-03-20 06:00" victims=3 languages="Spanish, Mam"', channel="dm")
    await h.command("alice", '/operation update OP-1 languages="Maria Lopez"', channel="dm")
    assert "[PERSON]" in h.platform.dms("alice")[-1] and "Maria" not in h.platform.dms("alice")[-1]
    await h.tick()
    assert not any("Maria" in t for t in h.platform.dms("nina"))
    await h.close()
