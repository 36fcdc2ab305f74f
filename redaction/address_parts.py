"""Addresses written the local way, as a chain of address parts: "Almaty, mkr. Orbita-2, d. 14, kv. 38",
"Yenimahalle Mah. Çiçek Sok. No:12 D:4 Keçiören/Ankara", "Ward 5, Bhimeshwor Municipality, Dolakha", "Kirkos
sub-city, Woreda 08, House No. 1147, Addis Ababa", "ул. Ленина, д. 5, кв. 12", "تهران، خیابان آزادی، کوچه ۱۲، پلاک ۵".

One grammar instead of one pattern per country: an address part is a part word (street, lane, house, flat, block,
quarter, district, village, province ... in the languages the corpora's families write, abbreviated or not) with its
value -- a number or one to three names after it ("kv. 38", "Gali No. 3", "ul. Lenina"), or one to three names before
it ("Karasai raion", "Kamaraj Nagar", "Çiçek Sok.") -- and a chain is such parts one after another, joined by commas
(Latin or Arabic) or spaces, with a town, a postcode or a landmark ("near Masjid Bilal") between or around them after a
comma. A chain is an address when it has two parts or more and a number, or three parts: one part word alone ("the
ward", "District 9") says nothing. Every piece is bounded (no nested unbounded repetition): the text is read once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from redaction.alternation import branches, by_first_letter
from redaction.findings import ADDRESS, Finding
from redaction.normalise import fold_accents
from redaction.vocabulary import COMMON_WORDS, everyday_words, places

# Part words that come before their value. Single letters ("d. 5", "s. Cărpineni", "g. Bishkek") need their dot.
_BEFORE_LATIN = (
    r"flat|apt|apartment|apto|ap|kv|kvartira|dom|h\.?\s?no|house\s+no|plot|villa|casa|block|blk|tower|piso|pallati|"
    r"shkall[eë]|shk|korp|korpus|stroenie|daire|kat|no|nr|n[º°o]|ul|ulitsa|ulica|vul|vulytsia|prospekt|prosp|pr-t|"
    r"per\.|pereulok|bulvar|bul|calle|rua|rruga|gali|lane|road|street|chak|jalan|jln|jl|soi|str|strada|sokak|sok|"
    r"cadde|cad|cd|mkr|mikrorayon|microraion|mahalla|mahalle|mah|mohalla|colonia|col|barrio|zona|sector|ward|woreda|"
    r"kebele|tehsil|district|distt|dist|taluk|taluka|mavze|massiv|mandal|village|vill|vpo|sat|selo|pos|posyolok|obl|oblast|r-n|"
    r"r-nul|rayon|raion|jud|judetul|comuna|com|moo|tambon|amphoe|changwat|brgy|barangay|purok|sitio|kampung|kg|desa|"
    r"kel|kec|kab|upazila|thana|quartier|secteur|province|prov|il[cç]e|sub-?city|"
    # session 13: Ukrainian "bud." (house), Azerbaijani "mənzil" (flat), Georgian "bina"/"korpusi" (flat, block)
    r"bud|budynok|bina|korpusi|korp|m[əe]nzil|kvartal|house"
)
# Vietnamese (số = number, ngõ/ngách/hẻm = lane and alley, đường = street, phường/quận/huyện/xã/thôn/tỉnh): the
# number comes first and the street's name after it ("số 18 ngõ 42 Trần Duy Hưng")
_BEFORE_VIET = by_first_letter("số|ngõ|ngách|hẻm|kiệt|đường|phường|quận|huyện|xã|thôn|tỉnh")
# session 14: Puerto Rico's rural parts with their dot -- "Bo." (barrio), "Carr." (carretera), "Urb." (urbanización)
_BEFORE_DOTTED = (
    rf"(?:[dsgtapm]\.|(?i:d):|{by_first_letter('bn|m[əe]n|k[üu]ç|bo|carr|urb')}\.|P\.[ \t]?O\.|Co\.)"
)  # with their dot only (Turkish "D:4", the flat)
_BEFORE_CYRILLIC = (
    r"ул|улица|вул|вулиця|просп|проспект|пр-т|пер|переулок|провулок|бульвар|б-р|мкр|микрорайон|мкрн|дом|д|кв|"
    r"квартира|корп|корпус|стр|г|город|м|с|село|пос|п|пгт|обл|область|р-н|район|махалля|туман|вилоят|"
    # session 13: Ukrainian (буд. = house, смт = town), Kyrgyz and Kazakh (үй house, батир/пәтер flat)
    r"буд|будинок|пров|смт|мкрн|квартал|үй|уй|батир|пәтер|"
    # Armenian (բն. flat, շենք building, տուն house, ք. town, գ. village) and Georgian (ბინა flat, კორპ. block,
    # სახლი house, ქ. town, სოფ. village)
    r"բն|բնակարան|շենք|շ|տուն|ք|գ|ბინა|ბ|კორპ|კორპუსი|სახლი|ქ|სოფ|სოფელი"
)
# Thai part words (หมู่ = village number, ซอย = lane, ถนน/ถ. = road, ต./อ./จ. = subdistrict, district, province)
_BEFORE_THAI = r"หมู่ที่|หมู่|ซอย|ซ\.|ถนน|ถ\.|ตำบล|ต\.|อำเภอ|อ\.|จังหวัด|จ\.|แขวง|เขต|บ้านเลขที่"
_BEFORE_ARABIC = (
    r"شارع|حي|زقاق|کوچه|كوچه|خیابان|خيابان|پلاک|پلاك|واحد|طبقه|بلوک|بلوك|منطقه|محله|عمارة|شقة|مبنى|بناية|ساختمان|"
    r"میدان|ميدان|بلوار|کوی|شهرک|استان|شهرستان|روستا|ولسوالی|ناحیه|گذر|سرک|محافظة|قرية|حارة|مربع|منزل|رقم"
)
# Part words that come after their names ("Karasai raion", "Yenimahalle Mah.", "Bhimeshwor Municipality").
_AFTER = (
    r"oblast|oblysy|oblys|raion|rayon|region|province|municipality|district|sub-?city|nagar|colony|society|estate|"
    r"township|tumani|tuman|mfy|qishlog[ʻ'’]?i|mahallesi|mahalle|mahalla|mah|sokağı|sokagi|sokak|sok|caddesi|cad|cd|bulvarı|bulvari|street|road|"
    r"avenue|lane|marg|marga|enclave|residency|layout|chowk|bazaar|bazar|house|municipio|distrito|"
    r"область|обл|район|р-н|край|улица|ул|проспект|вилояти|тумани|"
    # session 13: the street word after its name in Ukrainian, Kyrgyz, Kazakh, Uzbek, Azerbaijani, Armenian,
    # Georgian ("Ахунбаев көч.", "Абай даңғ.", "Bunyodkor ko'chasi", "Nizami küç.", "Թումանյան փող.",
    # "რუსთაველის გამზ."), the town word ("Бишкек ш.", "Алматы қ.", "Toshkent sh.")
    r"вул|вулиця|просп|пров|провулок|бульвар|б-р|шосе|көч|көчөсү|көш|көшесі|даңғ|даңғылы|шаары|ш|қ|қаласы|ауданы|"
    r"облысы|ko[ʻ'’‘]?chasi|kuchasi|k[üu]ç|k[üu]ç[əe]si|prospekti|rayonu|r-nu|sh|şəhəri|ş|poghots|poghota|gamziri|"
    r"փող|փողոց|պող|պողոտա|թաղամաս|նրբանցք|մարզ|ქ|ქუჩა|გამზ|გამზირი|შეს|შესახვევი|ჩიხი|კვარტალი|რაიონი|"
    r"მუნიციპალიტეტი"
)
# (each list tried by its words' first letter, same matches: redaction/alternation.py; tried branch by branch at every
# word, they were most of the chain scan's time)
_BEFORE_LATIN_WORD = by_first_letter(_BEFORE_LATIN)


def _by_script(alternation: str) -> str:
    """``by_first_letter``, the words of other scripts behind one test for a non-ASCII character (same matches: the
    two groups start with different characters)."""
    words = branches(alternation)
    ascii_words = "|".join(w for w in words if w[:1].isascii())
    other = "|".join(w for w in words if not w[:1].isascii())
    return f"(?:{by_first_letter(ascii_words)}|(?=[^\x00-\x7f]){by_first_letter(other)})"


_BEFORE_WORD = _by_script(f"{_BEFORE_LATIN}|{_BEFORE_CYRILLIC}")
_AFTER_WORD = _by_script(_AFTER)
_NEAR_WORD = by_first_letter(r"near|opp\.?|opposite|behind|off|c/o")
_CAP = r"[A-ZÀ-ÞĀ-ŽА-ЯЁІЇЄҐЎҚҒҲӘҢӨҰҮҺԱ-Ֆა-ჰ][\w'’-]{1,30}"  # (Georgian has no capitals: any Georgian word)
_ARABIC_WORD = r"(?:(?![\u060c\u061b\u061f\u0660-\u0669\u06d4\u06f0-\u06f9])[\u0600-\u06ff\u200c]){2,20}"
_NAME = rf"(?:(?:{_CAP}|\d{{1,3}}(?:st|nd|rd|th)\b)(?:[ \t]+{_CAP}){{0,2}}|{_ARABIC_WORD}(?:[ \t]+{_ARABIC_WORD}){{0,2}})"
_NUMBER = r"\d{1,5}[A-Za-zА-Яа-я]?(?:[/-][0-9A-Za-z]{1,5}){0,3}"
_THAI_WORD = r"[\u0e01-\u0e4e]{2,30}"
_VALUE = (
    rf"(?:{_NUMBER}(?![\w])|[A-Z]{{1,3}}-{_NUMBER}(?![\w])|{_NAME}(?:[ \t]+{_NUMBER}(?![\w]))?|(?-i:[A-Z])(?![\w'’-])"
    rf"|{_THAI_WORD})"
)
_PART = (
    rf"(?P<after>{_NAME}[ \t]+{_AFTER_WORD}\.?(?![\w])(?:[ \t]+{_NUMBER}(?![\w]))?"
    r"|\d{1,3}-(?i:kvartal|uy|mavze|dom|kv|daire|mikrorayon|mkr|xonadon|үй|уй|батир|пәтер|кв|квартира)\b"
    r"|\d{1,2}(?i:st|nd|rd|th)[ \t]+(?i:floor|fl\.?))"
    rf"|(?P<before>(?:{_BEFORE_WORD}(?:\.|(?![\w-]))|{_BEFORE_DOTTED}|{_BEFORE_ARABIC}|{_BEFORE_THAI})"
    rf"(?:[ \t]*(?:[:#.№]|(?i:no\.?|nr\.?|n[º°o]\.?)))?[ \t]*{_VALUE}"
    rf"|{_BEFORE_VIET}(?![\w-])[ \t]*(?:{_NUMBER}(?![\w])(?:[ \t]+{_NAME})?|{_NAME})"
    # the kilometre of a road ("Carr. 173 Km 6.2", "km 32,4")
    r"|(?i:km|kil[oó]metro)\.?[ \t]*\d{1,3}(?:[.,]\d{1,2})?(?![\w.]|,\d))"
)
_POSTCODE = r"(?:(?:[A-Z]{1,2}-)?\d{4,6}(?![\w])|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}(?![\w])|[A-Z]\d\d[ \t][A-Z\d]{4}(?![\w]))"
_HOUSE = r"\d{1,3}[^\W\d_]?(?:/\d{1,3})?(?![\w/-]|[.,]\d)"
_TOWN_WORD = r"[A-ZÀ-ÞĀ-ŽА-ЯЁІЇЄҐЎҚҒҲӘҢӨҰҮҺԱ-Ֆა-ჰ](?:[^\W\d_]|['’-]){1,30}(?![\w])"
_NOT_PART = rf"(?!{_BEFORE_LATIN_WORD}(?:\.|(?![\w-])))"
# Other pieces a chain may hold after a comma: a town (names), a postcode, a landmark.
_PLAIN = (
    rf"(?P<post>{_POSTCODE})"
    rf"|(?P<near>{_NEAR_WORD}[ \t]+{_NAME})"
    # a house number alone after a comma ("просп. Перемоги, 37, кв. 112")
    rf"|(?P<num>(?:(?<=[,،])|(?<=[,،][ \t])){_HOUSE})"
    # a town, or a street and its house number with no street word ("Rustaveli 18", "Сумська 72", "Boudha-6"): an
    # address part only in a chain that has a part word too ("Rustaveli 18, bn. 3")
    rf"|(?P<town>{_TOWN_WORD}(?:[ \t]*/[ \t]*{_TOWN_WORD}|[ \t]+{_NOT_PART}{_TOWN_WORD}){{0,2}}"
    rf"(?:[ \t]+(?:{_POSTCODE}|{_HOUSE})|-{_HOUSE})?|{_ARABIC_WORD}(?:[ \t]+{_ARABIC_WORD})?)"
)
# (the lookahead first: every piece starts with a letter, a digit or an Arabic-block character, and trying the
# alternatives at every space or symbol cost 2 ms per KB of them)
_PIECE = re.compile(rf"(?=[^\W_]|[\u0600-\u06ff\u200c])(?<![\w'’-])(?:{_PART}|{_PLAIN})")
_COMMA = re.compile(r"[ \t]*[,،][ \t]*")
_SPACE = re.compile(r"[ \t]{1,3}")
_DIGIT = re.compile(r"\d")
_HOUSE_AFTER = re.compile(r"(?:[ \t]+|-)\d{1,3}[^\W\d_]?(?:/\d{1,3})?$")
_LEADING_HOUSE = re.compile(r"(?<![\w/.,-])\d{1,5}[A-Za-z]?(?:/\d{1,4})?,?[ \t]+$")
_POSSESSIVE = re.compile(r"['’]s?[ \t]")
_SLASHED = re.compile(r"[^ \t/]+[ \t]*/")


def _ordinary(words: str) -> bool:
    """A town made of chat words is no town ("Yes", "The Mother", "Address")."""
    return all(w.casefold() in COMMON_WORDS for w in re.split(r"[ \t/]+", words.strip()) if w)


def _everyday(words: str) -> bool:
    """A street named without its street word must not be an everyday English word ("Chapter", "Windows", "Gate")."""
    vocabulary = everyday_words()
    return all(fold_accents(w).casefold() in vocabulary for w in words.split())


def _leading_town(words: str) -> bool:
    """A town before the first part must be a known place or in another script than Latin ("Almaty, mkr. ...",
    "تهران، خیابان ..."; not "Natalia Lupașcu, s. ...")."""
    return (not words.isascii() and not any("a" <= ch.casefold() <= "z" for ch in fold_accents(words))) or (
        " ".join(fold_accents(w) for w in words.split()) in places()
    )


def find_address_chains(text: str) -> Iterator[Finding]:
    if _DIGIT.search(text) is None and "," not in text and "،" not in text:
        return  # a chain needs a number, or three parts (written with commas): most messages end here
    pieces: list[tuple[int, int, str]] = []  # start, end, kind
    for match in _PIECE.finditer(text):
        kind = match.lastgroup or ""
        start, end = match.start(), match.end()
        if kind == "town" and text[end - 1].isdigit():
            house = _HOUSE_AFTER.search(text, start, end)
            if house is not None:
                kind = "named"
                words = text[start : house.start()]
                if _everyday(words) or sum(ch.isalpha() for ch in words) < 4:
                    kind, end = "town", house.start()  # "Chapter 5", "Windows 10", "Rm 318": not a street
        if kind == "town" and _ordinary(text[start:end]):
            continue
        if kind == "after" and _POSSESSIVE.search(match.group(0)):
            continue  # "Mama Blessing's house": whose, not where
        pieces.append((start, end, kind))
    chain: list[tuple[int, int, str]] = []
    for piece in [*pieces, (len(text) + 10, len(text) + 10, "end")]:
        if chain:
            gap_start, gap_end = chain[-1][1], piece[0]
            joined = _COMMA.fullmatch(text, gap_start, gap_end) is not None or (
                _SPACE.fullmatch(text, gap_start, gap_end) is not None
                and (
                    piece[2] in ("before", "after")
                    or (
                        chain[-1][2] in ("before", "after")
                        and (piece[2] != "town" or _SLASHED.match(text, piece[0]))
                    )
                )
            )
            if joined:
                chain.append(piece)
                continue
            yield from _judge(text, chain)
        chain = [piece] if piece[2] != "end" else []


def _judge(text: str, chain: list[tuple[int, int, str]]) -> Iterator[Finding]:
    real = [p for p in chain if p[2] in ("before", "after")]
    if not real:
        return
    parts = [p for p in chain if p[2] in ("before", "after", "named")]
    # the chain runs from its first to its last part, and takes a town or postcode joined by a comma at either end
    first = chain.index(parts[0])
    last = chain.index(parts[-1])
    start, end = chain[first][0], chain[last][1]
    before = chain[first - 1] if first > 0 else None
    if (
        before
        and before[2] == "town"
        and _COMMA.fullmatch(text, before[1], chain[first][0])
        and _leading_town(text[before[0] : before[1]])
    ):
        start = chain[first - 1][0]
    else:
        house = _LEADING_HOUSE.search(text, max(0, start - 14), start)
        if house is not None:
            start = (
                house.start()
            )  # "88/3 Moo 5, ...", "12 Shivam Society, ...": the house number before the parts
    posted = False
    for piece in chain[last + 1 :]:
        if piece[2] == "near" and piece is not chain[-1]:
            end = piece[1]
            continue
        if piece[2] not in ("town", "post", "num") or (
            piece[2] == "num" and chain[chain.index(piece) - 1] is not chain[last]
        ):
            break  # a house number only right after its street ("ул. Ленина, 5"), not "..., TX 77036, 4 women"
        posted = (
            posted
            or (
                piece[2] != "num"
                and _DIGIT.search(text, piece[0], piece[1]) is not None
                and _COMMA.fullmatch(text, end, piece[0]) is not None
            )
        )  # a town and postcode after a comma ("..., Cork T12 P9K3"), not digits run on ("apartment: 4147 2090")
        end = piece[1]
    strong = [p for p in real if not _dotted_only(text, p)]
    has_number = any(ch.isdigit() for ch in text[start:end])
    if (
        (len(parts) >= 2 and has_number and strong)
        or len(real) >= 3
        or (strong and posted and end > strong[-1][1])
    ):
        # one part with a town and its postcode after it will do: "Douglas Road, Cork T12 P9K3"
        yield Finding(start, end, ADDRESS, 0.75, "address_parts")


def _dotted_only(text: str, part: tuple[int, int, str]) -> bool:
    """ "d. 5", "s. Cărpineni": a part whose word is a single letter is weak on its own."""
    return (
        part[2] == "before" and re.match(r"[dsgtapmдсгмпքգշბქ]\.", text[part[0] : part[1]], re.I) is not None
    )


# --- where someone is, said the rural or descriptive way ------------------------------------------------------------
# A road by its designator and number ("BIA Route 1", "IR 15", "CR 12", "Hwy 18", "I-90", "FM 1960", "N-15").
_ROAD = (
    r"(?:(?:BIA|IR|Indian|Navajo|Tribal|US|SR|State|County|CR|FM|RR|Hwy|Highway|Route|Rte|Interstate|I|N|Co\.?)"
    r"(?:[ \t]+(?:Route|Rte|Road|Rd|Hwy|Highway))?[ \t]*-?[ \t]*\d{1,4}[A-Z]?(?![\w-]))"
)
# A mile marker is a point on a road: "mile marker 17", "MM 212", "milepost 40.5", with its road before or after it.
_MILE_MARKER = re.compile(
    rf"(?:{_ROAD}[ \t]*,?[ \t]*)?(?<![\w-])(?i:mile[ \t]*markers?|mile[ \t]*posts?|milepost|(?-i:MM|MP))[ \t]*#?[ \t]*"
    rf"\d{{1,4}}(?:\.\d)?(?![\w-])(?:[ \t]+(?i:on|of|off)[ \t]+{_ROAD})?"
)
# A dwelling, a relation and a landmark after a word that places someone: "staying in the third trailer past the
# chapter house", "at the blue house behind the Dollar General on Hwy 18", "2nd house up Sherwood Rd past the church",
# "lives off BIA 4 past the cattle guard". The dwelling may have two describing words before it; the landmark is a
# road, one to three capitalised words, or "the" and one or two words ending in a landmark noun.
_DWELLING = (
    r"(?:trailer|house|home|cabin|camper|shack|hogan|duplex|mobile[ \t]+home|apartment|apt|unit|rv|"
    r"(?<=['’]s[ \t])(?:place|yard|building|one))"
)
_LANDMARK_NOUN = (
    r"(?:house|church|chapel|school|store|station|bridge|guard|tower|office|clinic|center|centre|hall|shop|mart|market|"
    r"gym|park|cemetery|graveyard|dump|tank|well|mailboxes?|junction|turnoff|turn-off|crossing|corner|light|sign|"
    r"post|dam|lake|river|creek|wash|mesa|butte|ridge|road|trail|pump|laundromat|casino|motel|bar|diner|"
    r"ihs|headstart|head[ \t]+start)"
)
_LANDMARK = (
    rf"(?:{_ROAD}|(?-i:[A-Z][\w'’&-]{{1,24}}(?:[ \t]+[A-Z][\w'’&-]{{1,24}}){{0,2}})"
    rf"|the[ \t]+(?:[a-z][a-z'’-]{{1,20}}[ \t]+){{0,2}}{_LANDMARK_NOUN}s?(?![\w-]))"
)
_RELATION = r"(?:past|behind|next[ \t]+to|across[ \t]+from|beside|by|near|up|down|at[ \t]+the[ \t]+end[ \t]+of|off|on)"
_DESCRIBED = re.compile(
    r"(?i:\b(?:at|in|to|from|into|lives?|living|staying|stayed|sleeps?|sleeping|lka|seen|found|dropped|is|"
    r"house\s+is|home\s+is|place\s+is|address\s+is)[ \t]+(?:her|his|their|my|an?)?[ \t]*|,[ \t]+)"
    rf"(?P<a>(?i:(?:the[ \t]+)?(?:[a-z0-9][a-z0-9'’-]{{1,15}}[ \t]+){{0,2}}{_DWELLING}[ \t]+{_RELATION}[ \t]+"
    rf"(?:the[ \t]+)?)(?P<l>{_LANDMARK})"
    rf"(?:[ \t]+(?i:{_RELATION})[ \t]+(?:the[ \t]+)?{_LANDMARK}){{0,2}})"
)
# every mile marker holds "mile" (any case), "MM" or "MP" ("m" matches only "m" and "M" ignoring case)
_MILE_WORD = re.compile(r"[mM](?:(?i:ile)|(?<=M)[MP])")
_DWELLING_WORD = re.compile(
    rf"\b{by_first_letter('trailer|house|home|cabin|camper|shack|hogan|duplex|apartment|apt|unit|rv|place|yard|building|one')}\b"
)
# A road said as where someone is: "lives off BIA 4", "last seen on Route 12".
_ON_ROAD = re.compile(
    r"\b"
    + by_first_letter(r"lives?|living|staying|lka|last[ \t]+seen|seen|found|dropped(?:[ \t]+off)?|picked[ \t]+up")
    + r"[ \t]+"
    rf"(?i:on|off|at|near|along)[ \t]+(?P<a>{_ROAD}(?:[ \t]+(?i:{_RELATION})[ \t]+(?:the[ \t]+)?{_LANDMARK})?)"
)


# A mile of a named road, Alaska's and the rural West's address: "Mile 12.5 Alaska Peninsula Hwy", "Hwy 130 near Mile
# 9" -- the capitalised "Mile" and its number with a road after it or a road and a place word before it.
_ROAD_WORD = r"(?:Hwy|Highway|Road|Rd|Route|Rte|Loop|Trail|Spur|Parkway|Pkwy)"
_MILE_OF_ROAD = re.compile(
    rf"(?P<road>{_ROAD}[ \t]+(?i:near|at|by|past|around|about)[ \t]+)?(?<![\w-])(?-i:Mile|MILE)[ \t]+\d{{1,4}}"
    rf"(?:\.\d{{1,2}})?(?![\w.]|,\d)(?P<after>[ \t]+(?:(?-i:[A-Z])[\w'’ʻ-]{{1,20}}[ \t]+){{0,3}}{_ROAD_WORD}\b\.?)?"
)


def find_described_places(text: str) -> Iterator[Finding]:
    digits = _DIGIT.search(text) is not None
    if digits:
        if _MILE_WORD.search(text) is not None:  # (a scan for its letters first: most messages have none)
            for match in _MILE_MARKER.finditer(text):
                yield Finding(match.start(), match.end(), ADDRESS, 0.75, "described_place")
            for match in _MILE_OF_ROAD.finditer(text):
                if match.group("road") or match.group("after"):
                    yield Finding(match.start(), match.end(), ADDRESS, 0.75, "described_place")
        for match in _ON_ROAD.finditer(text):
            yield Finding(match.start("a"), match.end("a"), ADDRESS, 0.7, "described_place")
    if _DWELLING_WORD.search(text) is None:
        return
    for match in _DESCRIBED.finditer(text):
        landmark = match.group("l")
        if landmark[:1].isupper() and _ordinary(landmark):
            continue
        yield Finding(match.start("a"), match.end("a"), ADDRESS, 0.7, "described_place")
