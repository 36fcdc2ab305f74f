"""Addresses and phones of many countries written their local way: a deterministic probe (issue 17).

Faker's own address and phone providers of about 45 locales (those whose address provider writes the country's
layout, not the US fallback) are placed into chat-style sentence frames with a fixed seed; each span is labelled
ADDRESS or PHONE. A generated phone number is kept only when ``phonenumbers`` finds it valid in the locale's region
(Faker writes some numbers no region has; those are counted as skipped). Clean frames of the same shapes -- prices,
case and order numbers, times, flight numbers, dates, measures, page and room counts -- with no PII in them are mixed
in; any finding in one of them is a false alarm.

THIS IS IN-DISTRIBUTION TUNING DATA: the rules of session 14 were written while reading its misses, so its numbers
are in-sample. It measures a class (local layouts), not the engine's honest recall; the blind sets do that.

Run from the repository root::

    .venv/bin/python benchmarks/intl_probe.py [--per-locale N] [--seed S] [--show-misses] [--show-clean] [--json]

A span is caught when every non-space character in it is masked (by any finding).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import phonenumbers
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redaction import RedactionSettings, Redactor

# locale -> the region whose phone numbers it writes (None: address only); the address provider of each is local
LOCALES: dict[str, str | None] = {
    "de_DE": "DE",
    "de_AT": "AT",
    "de_CH": "CH",
    "fr_FR": "FR",
    "fr_CH": "CH",
    "nl_NL": "NL",
    "nl_BE": "BE",
    "it_IT": "IT",
    "es_ES": "ES",
    "pt_PT": "PT",
    "pl_PL": "PL",
    "cs_CZ": "CZ",
    "sk_SK": "SK",
    "hu_HU": "HU",
    "ro_RO": "RO",
    "el_GR": "GR",
    "hr_HR": "HR",
    "sl_SI": "SI",
    "sv_SE": "SE",
    "da_DK": "DK",
    "no_NO": "NO",
    "fi_FI": "FI",
    "en_GB": "GB",
    "ru_RU": "RU",
    "uk_UA": "UA",
    "es_MX": "MX",
    "es_CO": "CO",
    "es_AR": "AR",
    "es_CL": "CL",
    "pt_BR": "BR",
    "en_IN": "IN",
    "hi_IN": "IN",
    "fil_PH": None,
    "id_ID": "ID",
    "th_TH": "TH",
    "vi_VN": "VN",
    "ja_JP": "JP",
    "ko_KR": "KR",
    "zh_CN": "CN",
    "zh_TW": "TW",
    "he_IL": "IL",
    "az_AZ": "AZ",
    "ka_GE": "GE",
    "hy_AM": "AM",
    "bn_BD": "BD",
    "ne_NP": "NP",
    "en_AU": "AU",
    "en_NZ": "NZ",
    "zu_ZA": "ZA",
    "fr_DZ": "DZ",
}
# locales whose phone provider is local but whose address provider is the US fallback: phones only
PHONE_ONLY = {
    "ar_AE": "AE",
    "ar_JO": "JO",
    "tr_TR": "TR",
    "fa_IR": "IR",
    "bg_BG": "BG",
    "lt_LT": "LT",
    "lv_LV": "LV",
}

ADDRESS_FRAMES = (
    "her mom lives at {a}",
    "address: {a}",
    "V1 says she was kept at {a} for two months",
    "new address for the client is {a}, please update the file",
    "the recruiter's office: {a}",
    "she stays with her aunt, {a}",
    "sending the letter to {a} tomorrow",
    "Adresse / address on the contract: {a}",
)
PHONE_FRAMES = (
    "Tel. {p}",
    "Mob: {p}",
    "Cel. {p}",
    "call her on {p}",
    "his number is {p}, whatsapp only",
    "the mother's phone {p}",
    "contact: {p} (evenings)",
    "Tél. {p}",
    "reached the brother at {p} this morning",
)
BOTH_FRAMES = ("{a}, Tel. {p}", "lives at {a}, mobile {p}", "address {a} / phone {p}")

CURRENCIES = ("€", "EUR", "R$", "MXN", "₹", "¥", "£", "CHF", "zł", "Kč", "₩", "AED", "SAR", "TL", "₦", "KES")


def clean_messages(rng: random.Random, n: int) -> list[str]:
    """Messages of the same shapes as a phone or address with nothing to mask in them."""

    def num(k: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(k))

    makers = (
        lambda: f"the fee was {rng.choice(CURRENCIES)} {rng.randint(1, 99)}.{num(3)},{num(2)} per month",
        lambda: f"invoice total {num(1)} {num(3)} {num(3)} {rng.choice(CURRENCIES)}, paid in two parts",
        lambda: (
            f"case {rng.randint(2019, 2025)}-{num(5)} was closed on {rng.randint(1, 28)}.{rng.randint(1, 12)}."
        ),
        lambda: f"order no. {num(4)} {num(4)} {num(2)} shipped, tracking {num(3)} {num(3)} {num(4)}",
        lambda: (
            f"flight {rng.choice(['LH', 'AF', 'TK', 'EK', 'QR', 'AI', 'JL', 'KE', 'LA', 'AM'])} {num(3)} lands "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}, gate B{rng.randint(1, 40)}"
        ),
        lambda: (
            f"meeting {rng.randint(8, 17)}:{rng.choice(['00', '30'])}-{rng.randint(9, 18)}:{rng.choice(['00', '30'])}"
            f" in room {rng.randint(100, 999)} of the training centre, bring the {rng.randint(2, 12)} binders"
        ),
        lambda: (
            f"the report ref. {num(2)}/{num(4)}/{num(3)} from {rng.randint(2019, 2025)} has {rng.randint(20, 400)} pages"
        ),
        lambda: (
            f"distance {rng.randint(2, 900)} km, about {rng.randint(1, 14)} h {rng.randint(1, 59)} min by bus"
        ),
        lambda: (
            f"we counted {rng.randint(12, 400)} workers at {rng.randint(3, 30)} sites in {rng.randint(2, 9)} provinces"
        ),
        lambda: (
            f"the {rng.randint(2019, 2025)} budget line {num(3)}-{num(2)}-{num(3)} is {num(2)} {num(3)} {rng.choice(CURRENCIES)}"
        ),
        lambda: (
            f"statute art. {rng.randint(1, 400)} par. {rng.randint(1, 9)} of law {num(2)}/{rng.randint(1990, 2024)}"
        ),
        lambda: (
            f"train {num(5)} leaves platform {rng.randint(1, 20)} at {rng.randint(0, 23):02d}.{rng.randint(0, 59):02d}"
        ),
        lambda: (
            f"batch {num(3)} {num(3)} {num(3)}: {rng.randint(2, 90)} boxes, {rng.randint(10, 999)} kg, {rng.randint(1, 9)} pallets"
        ),
    )
    return [rng.choice(makers)() for _ in range(n)]


def one_line(address: str) -> str:
    return ", ".join(part.strip() for part in address.replace("\r", "").split("\n") if part.strip())


def build(per_locale: int, seed: int) -> tuple[list[dict[str, object]], dict[str, int]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    skipped: dict[str, int] = defaultdict(int)
    for locale, region in [*LOCALES.items(), *((k, v) for k, v in PHONE_ONLY.items())]:
        fake = Faker(locale)
        fake.seed_instance(seed)
        with_address = locale in LOCALES
        made = 0
        tries = 0
        while made < per_locale and tries < per_locale * 20:
            tries += 1
            address = one_line(fake.address()) if with_address else None
            phone = None
            if region is not None and (not with_address or made % 2 == 1):
                phone = fake.phone_number()
                try:
                    valid = phonenumbers.is_valid_number(phonenumbers.parse(phone, region))
                except phonenumbers.NumberParseException:
                    valid = False
                if not valid:
                    skipped[locale] += 1
                    continue
            if address and phone:
                frame = rng.choice(BOTH_FRAMES) if made % 4 == 1 else rng.choice(PHONE_FRAMES)
                if "{a}" not in frame:
                    address = None
            elif address:
                frame = rng.choice(ADDRESS_FRAMES)
            else:
                frame = rng.choice(PHONE_FRAMES)
            spans = []
            text = frame
            for key, value, label in (("{a}", address, "ADDRESS"), ("{p}", phone, "PHONE")):
                if value is None or key not in text:
                    continue
                start = text.index(key)
                text = text[:start] + value + text[start + len(key) :]
                spans.append([start, start + len(value), label])
            # the spans were placed left to right, so an earlier replacement may have shifted a later one
            spans = [
                [text.index(v), text.index(v) + len(v), lab]
                for v, lab in ((address, "ADDRESS"), (phone, "PHONE"))
                if v is not None and v in text
            ]
            rows.append({"id": f"{locale}-{made}", "locale": locale, "text": text, "spans": spans})
            made += 1
    for i, text in enumerate(clean_messages(rng, 4 * len(LOCALES))):
        rows.append({"id": f"clean-{i}", "locale": "clean", "text": text, "spans": []})
    return rows, dict(skipped)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-locale", type=int, default=8)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--show-clean", action="store_true", help="print clean messages with a finding")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pii-model", default="builtin")
    args = parser.parse_args()
    rows, skipped = build(args.per_locale, args.seed)
    engine = Redactor(RedactionSettings(pii_model=args.pii_model))
    results = engine.redact_many([str(row["text"]) for row in rows])
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    clean = flagged = 0
    for row, result in zip(rows, results, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        for f in result.findings:
            for i in range(f.start, f.end):
                masked[i] = True
        spans = row["spans"]
        assert isinstance(spans, list)
        if not spans:
            clean += 1
            if result.findings:
                flagged += 1
                if args.show_clean:
                    print(f"CLEAN FLAGGED {text!r} -> {result.text!r}")
        for start, end, label in spans:
            ok = all(masked[i] for i in range(start, end) if not text[i].isspace())
            for key in ((str(row["locale"]), label), ("all", label)):
                per[key][0] += 1
                per[key][1] += ok
            if args.show_misses and not ok:
                print(f"MISS {label:<8} {row['locale']:<6} {text[start:end]!r} -> {result.text!r}")
    report = {
        "note": "in-distribution tuning data (session 14 rules were written from its misses)",
        "rows": len(rows),
        "skipped_invalid_phones": sum(skipped.values()),
        "recall": {f"{loc}/{lab}": round(c / g, 3) for (loc, lab), (g, c) in sorted(per.items())},
        "spans": {f"{loc}/{lab}": g for (loc, lab), (g, c) in sorted(per.items())},
        "clean_messages": clean,
        "clean_flagged": flagged,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"rows {len(rows)}, phones skipped as invalid in their region {report['skipped_invalid_phones']}")
    for label in ("ADDRESS", "PHONE"):
        g, c = per[("all", label)]
        print(f"{label}: {c}/{g} = {c / g:.3f}")
        weak = sorted(
            (per[(loc, lab)][1] / per[(loc, lab)][0], loc)
            for (loc, lab) in per
            if lab == label and loc != "all"
        )
        print("  " + " ".join(f"{loc} {r:.2f}" for r, loc in weak))
    print(f"clean messages flagged: {flagged}/{clean}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
