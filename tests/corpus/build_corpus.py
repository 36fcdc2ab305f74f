"""Build ``corpus.jsonl``: the hand-written messages plus Faker-generated ones (fixed seed).

Run from the repository root: ``python tests/corpus/build_corpus.py``. The output is committed so the evaluation
does not depend on the installed Faker version. Each line: ``{"id", "set", "text", "spans": [[start, end, label]]}``.

Generated names come mostly from Faker locales that the engine's name lexicon was *not* built from (es_CO, en_IN,
fr_FR, ro_RO), so generated recall is not a lexicon lookup; the report shows each set separately.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
MARKUP = re.compile(r"\{\{([A-Z_]+)\|(.*?)\}\}")
ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
SEED = 20250101


def parse_markup(line: str) -> tuple[str, list[list[object]]]:
    """``"call {{PHONE|713 555 0199}}"`` -> text and ``[[start, end, "PHONE"]]``."""
    line = ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line)
    text: list[str] = []
    spans: list[list[object]] = []
    cursor = 0
    length = 0
    for match in MARKUP.finditer(line):
        before = line[cursor : match.start()]
        text.append(before)
        length += len(before)
        value = match.group(2)
        spans.append([length, length + len(value), match.group(1)])
        text.append(value)
        length += len(value)
        cursor = match.end()
    text.append(line[cursor:])
    return "".join(text), spans


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        candidate = digits + check
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char)
            if index % 2:
                value = value * 2 - 9 if value > 4 else value * 2
            total += value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def generated(count: int) -> list[str]:
    """Template messages in markup form, filled from Faker."""
    rng = random.Random(SEED)
    fakers = {loc: Faker(loc) for loc in ("en_US", "es_CO", "en_IN", "fr_FR", "ro_RO")}
    for index, fake in enumerate(fakers.values()):
        fake.seed_instance(SEED + index)
    us = fakers["en_US"]

    def name() -> str:
        fake = fakers[rng.choice(["en_US", "es_CO", "es_CO", "en_IN", "fr_FR", "ro_RO"])]
        full = f"{fake.first_name()} {fake.last_name()}"
        style = rng.random()
        if style < 0.15:
            return full.lower()
        if style < 0.25:
            return full.upper()
        return full

    def first() -> str:
        fake = fakers[rng.choice(["en_US", "es_CO", "en_IN", "fr_FR", "ro_RO"])]
        return str(fake.first_name())

    def phone() -> str:
        area, mid, last = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
        return rng.choice(
            [f"{area}-{mid}-{last:04d}", f"({area}) {mid}-{last:04d}", f"{area}.{mid}.{last:04d}",
             f"{area} {mid} {last:04d}", f"+1 {area} {mid} {last:04d}", f"{area}{mid}{last:04d}"]
        )  # fmt: skip

    def address() -> str:
        street = us.street_address()
        if rng.random() < 0.5:
            return f"{street}, {us.city()}, {us.state_abbr()} {us.zipcode()}"
        return str(street)

    def ssn() -> str:
        raw = f"{rng.randint(100, 665):03d}{rng.randint(10, 99):02d}{rng.randint(1000, 9999):04d}"
        sep = rng.choice(["-", " ", "-"])
        return f"{raw[:3]}{sep}{raw[3:5]}{sep}{raw[5:]}"

    def card() -> str:
        number = _luhn_complete(rng.choice(["4", "51", "55", "6011"]), 16, rng)
        return " ".join(number[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.6 else number

    def dob() -> str:
        date = us.date_of_birth(minimum_age=12, maximum_age=40)
        return rng.choice([date.strftime("%m/%d/%Y"), date.strftime("%Y-%m-%d"), date.strftime("%B %d, %Y")])

    def handle() -> str:
        return f"{us.user_name()}{rng.randint(1, 99)}"

    def plate() -> str:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(3))
        return rng.choice([f"{letters}-{rng.randint(1000, 9999)}", f"{letters}{rng.randint(1000, 9999)}"])

    templates = [
        lambda: f"met with {{{{PERSON|{name()}}}}} at {{{{ADDRESS|{address()}}}}} today",
        lambda: f"{{{{PERSON|{name()}}}}} called from {{{{PHONE|{phone()}}}}}",
        lambda: f"client {{{{PERSON|{first()}}}}} is {{{{AGE|{rng.randint(13, 19)}}}}}, needs a bed",
        lambda: f"her name is {{{{PERSON|{first().lower()}}}}}, dob {{{{DOB|{dob()}}}}}",
        lambda: f"email {{{{EMAIL|{us.email()}}}}} for the employer",
        lambda: f"ssn {{{{SSN|{ssn()}}}}} is on the I-9",
        lambda: f"paid with {{{{CREDIT_CARD|{card()}}}}} at the motel",
        lambda: f"wire to {{{{IBAN|{us.iban()}}}}} every Friday",
        lambda: f"login from {{{{IP_ADDRESS|{us.ipv4_public()}}}}} on the ad site",
        lambda: f"driver has DL {{{{DRIVER_LICENSE|{rng.randint(10000000, 99999999)}}}}}",
        lambda: f"grey sedan, plate {{{{LICENSE_PLATE|{plate()}}}}}, seen twice",
        lambda: f"snap: {{{{HANDLE|{handle()}}}}} posts the ads",
        lambda: f"he goes by {{{{PERSON|{first()}}}}} on the street",
        lambda: (
            f"{{{{PERSON|{name()}}}}} and {{{{PERSON|{name()}}}}} were at {{{{ADDRESS|{us.street_address()}}}}}"
        ),
        lambda: (
            f"{{{{AGE|{rng.randint(13, 17)} yo}}}} at the truck stop off I-10, call {{{{PHONE|{phone()}}}}}"
        ),
        lambda: f"victim {{{{PERSON|{first()}}}}} lives at {{{{ADDRESS|{address()}}}}}",
        # Coordination talk without PII: what must stay readable.
        lambda: (
            f"meeting {us.day_of_week()} at {rng.randint(1, 12)}pm with HSI about C-{rng.randint(1000, 9999)}"
        ),
        lambda: f"T-{rng.randint(1, 9999):04d} acknowledged by the point person",
        lambda: f"NGO notice for the {us.month_name()} op is ready for review",
        lambda: (
            f"{rng.randint(2, 9)} workers inside, {rng.randint(1, 3)} cars out front, op at {rng.randint(5, 11)}am"
        ),
        lambda: (
            f"release R-{rng.randint(1, 99)} expires on {us.date_this_year().strftime('%m/%d')}, reminder set"
        ),
        lambda: "call the hotline if anyone needs transport tonight",
    ]
    return [rng.choice(templates)() for _ in range(count)]


def main() -> None:
    rows = []
    lines = [
        line for line in (HERE / "handwritten.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    for index, line in enumerate(lines):
        text, spans = parse_markup(line)
        rows.append({"id": f"h{index:03d}", "set": "handwritten", "text": text, "spans": spans})
    for index, line in enumerate(generated(600)):
        text, spans = parse_markup(line)
        rows.append({"id": f"g{index:03d}", "set": "generated", "text": text, "spans": spans})
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
