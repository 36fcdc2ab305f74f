"""Whole-name probe: names of many regions placed in short task-force chat frames, scored per region.

**In-distribution, not a blind measure.** The names come from Faker's person providers (the same package the name
lexicon is built from, ``redaction/data/build_name_lexicon.py``) and from hand-listed structures written by the
engine's own developers (patronymic chains, West African, Ethiopian, South and Southeast Asian, Mayan and compound
Spanish, Haitian names, names beside their own script). It measures whether a name the engine finds is masked
**whole** ("a found name part extends to the adjacent name parts") and whether the particles and second parts of
names (bin, Al, Abu, de la, Kaur, Bahadur, uulu...) raise false alarms where they are no name ("Abu Dhabi", "bin 4",
"de la Cruz Street"): every message with no name is a clean frame. Fixed seed: the same messages on every run.

Run from the repository root::

    .venv/bin/python benchmarks/world_names_probe.py [--per-locale 12] [--write probe.jsonl] [--show-misses]

Per region: names masked whole / half-masked (some characters of the name masked, not all) / missed, and clean
frames with anything masked. ``--write`` saves the messages in the corpus format (``tests/corpus/*.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 1714
# Faker locales, by region. Each name is the locale's given name and surname (Spanish-speaking locales: two
# surnames half of the time; Russian, Ukrainian, Bulgarian: with the patronymic; Vietnamese: surname, middle, given).
LOCALES = {
    "latam": ("es_MX", "es_CO", "es_AR", "es_CL", "pt_BR"),
    "europe": ("es_ES", "pt_PT", "fr_FR", "it_IT", "de_DE", "nl_NL", "pl_PL", "ro_RO", "hu_HU"),
    "slavic": ("ru_RU", "uk_UA", "bg_BG", "cs_CZ", "hr_HR"),
    "mideast_latin": ("en_PK", "fr_DZ", "tr_TR", "az_AZ", "uz_UZ"),
    "mideast_script": ("ar_SA", "ar_PS", "fa_IR", "he_IL"),
    "africa": ("yo_NG", "ig_NG", "ha_NG", "en_NG", "tw_GH", "en_KE", "sw", "zu_ZA"),
    "south_asia": ("en_IN", "hi_IN", "ne_NP", "bn_BD", "ta_IN", "si_LK"),
    "se_asia": ("vi_VN", "id_ID", "en_TH", "th_TH"),
    "east_asia": ("zh_CN", "ja_JP", "ko_KR"),
    "english": ("en_US", "en_GB", "en_IE"),
    "caucasus": ("ka_GE", "hy_AM"),
}
SPANISH = {"es_MX", "es_CO", "es_AR", "es_CL", "es_ES"}
PATRONYMIC = {"ru_RU", "uk_UA", "bg_BG"}

# Hand-listed structures (given names, fathers' names, families and particles combined as people are named there).
STRUCTURES: dict[str, tuple[str, ...]] = {
    "gulf_patronymic": (
        "Mohammed bin Rashid Al Mansoori", "Fatima bint Saeed Al Suwaidi", "Khalid bin Hamad Al-Ketbi",
        "Noura bint Sultan Al Nuaimi", "Saeed Obaid Al Zaabi", "Hessa Abdullah Al Shamsi", "Abdullah ibn Faisal",
        "Mariam Al-Mazrouei", "Rashid bin Saif", "Latifa bint Khalid",
    ),
    "levant_egypt": (
        "Abdul Rahman Haddad", "Abdel Aziz Mansour", "Abd al-Karim Nasser", "Abu Ahmad", "Umm Youssef",
        "Mahmoud Abu Zeid", "Rania El-Masry", "Omar al-Khatib", "Abdelkader Ben Salah", "Ahmed Abdel Fattah",
    ),
    "maghreb_sahel": (
        "Mohamed Lemine Ould Ahmed", "Sidi Ould Cheikh", "Mariem Mint Sidi", "Youssef El Amrani",
        "Fatima-Zahra Benali", "Brahim Ould Mohamed Vall", "Aicha Mint Ahmedou", "Hassan Ait Ouali",
        "Mustapha Wuld Abdallahi", "Khadija El Idrissi",
    ),
    "west_africa": (
        "Oluwaseun Adeyemi", "Babatunde Oladipo", "Folasade Ogunleye-Bello", "Adebayo Oluwadamilare Akinola",
        "Chukwuemeka Okonkwo", "Ngozi Nwachukwu", "Chidinma Eze", "Aminu Bello Danladi", "Hauwa Abubakar",
        "Ibrahim Musa Dankwambo", "Kwame Asante", "Akua Mensah Owusu", "Yaw Ofori-Atta", "Abena Osei-Tutu",
        "Kwabena Nkrumah", "Mamadou Lamine Diop", "Fatou Ndiaye", "Cheikh Tidiane Fall", "Aïssatou Sow",
        "Ndèye Coumba Diallo", "Serigne Mbaye Gueye", "Adjoa Boateng", "Kofi Agyemang Badu",
    ),
    "horn_of_africa": (
        "Tigist Alemu Bekele", "Yonas Gebremedhin Tesfay", "Selamawit Haile", "Dawit Woldemariam",
        "Meseret Gebre-Egziabher", "Hiwot Tsegaye Abebe", "Abdirahman Mohamed Farah", "Hodan Ali Warsame",
        "Senait Tekle", "Mulugeta Kidane",
    ),
    "south_asia": (
        "Harpreet Kaur", "Gurpreet Singh Sandhu", "Manpreet Kaur Gill", "Rajesh Kumar", "Sunita Kumari",
        "Ravi Kumar Yadav", "Mohammed Rafiq", "Baljit Singh", "Chaminda Perera", "W.M. Nimal Bandara",
        "Dilani Jayawardena", "Kumara Wickramasinghe", "Tek Bahadur Gurung", "Sita Kumari Tamang",
        "Ram Prasad Sharma", "Min Bahadur Thapa Magar", "Pemba Sherpa", "Afroza Begum", "Mohammad Abdul Karim",
    ),
    "se_asia": (
        "Suharti", "Sutrisno", "Siti Aminah", "I Made Suarjana", "Ni Luh Putu Ayu", "Komang Sudarsana",
        "Maria Cristina dela Cruz", "Jose Miguel Santos Reyes Jr.", "Ma. Teresa Villanueva",
        "Juan Carlos P. Mendoza III", "Rodelio delos Santos", "Mary Grace Bautista-Lim", "Nguyễn Thị Thu Hà",
        "Trần Văn Minh", "Le Thi Kim Oanh", "Pham Van Long", "Huỳnh Thị My", "Đặng Quốc Bảo",
        "Somchai Phongsakul", "Nattaya Srisuk", "Kanokwan Boonmee",
    ),
    "mesoamerica_spanish": (
        "Ixchel Tzoc Ajanel", "Juana Xol Caal", "Manuel Cux Tzul", "Rosa Ical Choc", "Domingo Pop Bá",
        "Candelaria Ajú Sicán", "Petrona Us Tum", "María Guadalupe Hernández de la Cruz", "José Luis del Río Pérez",
        "Juan Pablo de los Santos Ortiz", "Ana Sofía Martínez y Ruiz", "Rosanny De la Cruz",
        "Josefa Benítez viuda de Vásquez", "Leticia Ramírez de León",
    ),
    "haiti": (
        "Jean-Baptiste Pierre-Louis", "Marie-Claude Joseph", "Wisly Désir", "Fabiola Saint-Fleur",
        "Jean Robert Louis-Jeune", "Nadège Dorvilier", "Wilner Jean-Baptiste", "Rose-Marie Saint-Juste",
    ),
    "central_asia": (
        "Azamat Bakyt uulu", "Aigerim Nurlan kyzy", "Rustam Alisher o'g'li", "Dilnoza Karimova",
        "Nurbek Bakyt uulu", "Elnur Rashid oglu",
    ),
}
# A name beside its own script: both halves are names.
SCRIPT_PAIRS = (
    ("Fatima Al-Zahrani", "فاطمة الزهراني"), ("Sabina Gurung", "सबिना गुरुङ"), ("Tigist Alemu", "ትዕግስት አለሙ"),
    ("Li Mei", "李梅"), ("Park Ji-yeon", "박지연"), ("Rajesh Thapa", "राजेश थापा"), ("Somchai Jaidee", "สมชาย ใจดี"),
    ("Afroza Begum", "আফরোজা বেগম"), ("Yonas Tesfay", "ዮናስ ተስፋይ"), ("Omar Haddad", "عمر حداد"),
)
FRAMES = (
    "new referral from the clinic: {n}, 24, says the boss kept her passport",
    "spoke with {n} this morning, she wants to talk to the advocate first",
    "{n} called the hotline again last night",
    "victim name per the intake sheet is {n}",
    "can someone run {n} through NCIC before the interview?",
    "{n}'s cousin drove her to the shelter on Friday",
    "ok so the worker who got hurt is {n}, he's at the ER now",
    "interview with {n} moved to Thursday 2pm",
    "per the employer, {n} left the farm on Sunday with two others",
    "the recruiter is {n} and he still has all their papers",
)
PAIR_FRAMES = (
    "her name in the intake: {n} ({s}), 31",
    "the interpreter spelled it {n} / {s} on the form",
    "worker is {s} ({n}), no papers",
)
# No name in these: particles, kunya words and second parts of names where they are places, things or words.
CLEAN = (
    "meeting at the Al Barsha office moved to 3pm", "flight via Abu Dhabi lands at 6 tomorrow",
    "put the hygiene kits in bin 4 in the storage room", "the shelter on de la Cruz Street has 2 beds tonight",
    "she is from Ras Al Khaimah originally, came over on a domestic worker visa", "they crossed at El Paso in May",
    "Del Rio CBP called back about the detainee list", "case moved to Van Buren County",
    "Dar es Salaam office sent the documents", "Port-au-Prince consulate is closed Monday",
    "the Addis Ababa flight is delayed again", "Umm Al Quwain police report attached",
    "the container left from Bin Qasim port", "the Sri Lanka embassy needs the form signed",
    "the two sisters lived near Da Nang before", "Ho Chi Minh City office confirmed the labor contract",
    "San José PD is sending the report", "Los Angeles field office has the case now",
    "Al Jazeera ran the story last week", "the Van Nuys courthouse hearing is at 9",
    "bin 12 is full, use the one by the door", "the Al-Anon meeting is in room B",
    "she flew into Saint-Louis from Dakar", "La Paz consulate will call us back",
    "the De La Salle school called about attendance", "two men from Abu Ghraib district, no names yet",
    "the Mint Street warehouse was raided", "Kumar Street market is where the van parks",
    "Singh and Associates is the law firm on the lease", "Le Mans plates on the car, French registration",
    "the El Salvador consulate is sending someone", "St. Louis office forwarded the tip",
    "ship came in to Las Palmas last week",
    "Santa Ana clinic does free screenings on Tuesday", "route goes through Al Ain then the border",
    "the de facto manager is the night clerk", "the van der Waals point from the lab is not relevant",
    "Bahadur Shah Zafar Marg address is the embassy", "we met at the Ibn Battuta mall food court",
    "Abu Sayyaf is not involved, that was a rumor",
)


def _faker_name(fake: object, locale: str, rng: random.Random) -> str:
    first = fake.first_name()  # type: ignore[attr-defined]
    last = fake.last_name()  # type: ignore[attr-defined]
    if locale == "vi_VN":
        return f"{last} {fake.middle_name()} {first}"  # type: ignore[attr-defined]
    if locale in PATRONYMIC and hasattr(fake, "middle_name"):
        return f"{first} {fake.middle_name()} {last}"  # type: ignore[attr-defined]
    if locale in SPANISH and rng.random() < 0.5:
        return f"{first} {last} {fake.last_name()}"  # type: ignore[attr-defined]
    if locale in ("zh_CN", "ko_KR"):
        return f"{last}{first}"
    return f"{first} {last}"


def build(per_locale: int) -> list[dict[str, object]]:
    from faker import Faker

    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []

    def add(region: str, name: str, frame: str, second: str | None = None) -> None:
        spans = []
        if second is None:
            text = frame.format(n=name)
            start = text.index(name)
            spans.append([start, start + len(name), "PERSON"])
        else:
            text = frame.format(n=name, s=second)
            for part in (name, second):
                start = text.index(part)
                spans.append([start, start + len(part), "PERSON"])
        rows.append({"id": f"w{len(rows):04d}", "text": text, "spans": spans, "split": "dev", "set": "probe",
                     "source": region})

    frame_index = 0
    for region, locales in LOCALES.items():
        for locale in locales:
            fake = Faker(locale)
            fake.seed_instance(SEED)
            seen: set[str] = set()
            for _ in range(per_locale * 3):
                if len([r for r in rows if r["source"] == f"{region}:{locale}"]) >= per_locale:
                    break
                name = _faker_name(fake, locale, rng).strip()
                if name in seen or "." in name:
                    continue
                seen.add(name)
                add(f"{region}:{locale}", name, FRAMES[frame_index % len(FRAMES)])
                frame_index += 1
    for region, names in STRUCTURES.items():
        for index, name in enumerate(names):
            add(f"struct:{region}", name, FRAMES[(frame_index + index) % len(FRAMES)])
        frame_index += 3
    for index, (latin, script) in enumerate(SCRIPT_PAIRS):
        add("struct:script_pair", latin, PAIR_FRAMES[index % len(PAIR_FRAMES)], script)
    for index, text in enumerate(CLEAN):
        rows.append({"id": f"c{index:03d}", "text": text, "spans": [], "split": "dev", "set": "probe",
                     "source": "clean"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-locale", type=int, default=12)
    parser.add_argument("--write", type=Path, help="write the messages as JSONL and stop")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the per-region counts as JSON")
    args = parser.parse_args()
    rows = build(args.per_locale)
    if args.write:
        args.write.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        return
    from redaction import RedactionSettings, Redactor

    redactor = Redactor(RedactionSettings())
    results = redactor.redact_many([str(row["text"]) for row in rows])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # whole, half, missed, clean flagged
    for row, result in zip(rows, results, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        for finding in result.findings:
            for i in range(finding.start, finding.end):
                masked[i] = True
        region = str(row["source"])
        group = region
        spans = row["spans"]
        assert isinstance(spans, list)
        if not spans:
            if any(masked):
                counts["clean"][3] += 1
                if args.show_misses:
                    shown = "".join("█" if m else c for c, m in zip(text, masked, strict=True))
                    print(f"CLEAN FLAGGED {row['id']}: {shown}")
            continue
        for start, end, _label in spans:
            chars = [i for i in range(start, end) if not text[i].isspace()]
            hit = sum(masked[i] for i in chars)
            kind = 0 if hit == len(chars) else 1 if hit else 2
            counts[group][kind] += 1
            if kind and args.show_misses:
                shown = "".join("█" if masked[i] else text[i] for i in range(start, end))
                print(f"{('HALF', 'MISS')[kind - 1]} {region} {row['id']}: [{text[start:end]}] -> [{shown}]  :: {text}")
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, sort_keys=True))
        return
    print(f"{'region':28} {'names':>5} {'whole':>6} {'half':>5} {'missed':>6} {'whole %':>8}")
    total = [0, 0, 0]
    for group in sorted(counts):
        if group == "clean":
            continue
        whole, half, missed, _ = counts[group]
        n = whole + half + missed
        total = [total[0] + whole, total[1] + half, total[2] + missed]
        print(f"{group:28} {n:>5} {whole:>6} {half:>5} {missed:>6} {100 * whole / n:>7.1f}%")
    n = sum(total)
    print(f"{'all':28} {n:>5} {total[0]:>6} {total[1]:>5} {total[2]:>6} {100 * total[0] / n:>7.1f}%")
    print(f"clean frames with anything masked: {counts['clean'][3]} of {len(CLEAN)}")


if __name__ == "__main__":
    main()
