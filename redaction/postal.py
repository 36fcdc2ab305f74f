"""One-line postal addresses of many countries, read by their structure (issue 17, session 14).

Most of the world writes an address on one line as comma-separated segments that end in a postcode: the street and
its house number in either order ("Budějovická 244", "534, rue Margaux Lebreton", "R. de Almeida, 611", "4/4 शशी
गुरुंग"), perhaps a unit, district or town ("Piso 7", "Jardim Felicidade", "Albacete"), then the postcode with its town
on either side ("674 76 Trhové Sviny", "H-8476 Székfa", "3623 HY Alkmaar", "Kota-144102", "Zimnicea, 654582").
No list of streets or towns: a postcode of a known shape, a street segment (words that are no chat words with a
number, or a words-only segment next to a number-only one) at most two segments before it, and a town word in the
postcode's segment or the one before. The address runs from the street to the postcode's town (the tail after it is
the engine's address tail).

Gated behind a comma and a digit run of three or more after it: most messages end at the first test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from redaction.findings import ADDRESS, Finding
from redaction.normalise import fold_accents
from redaction.vocabulary import COMMON_WORDS, everyday_words, first_names, last_names

# A postcode: country letters first or not ("H-8476", "ΤΚ 476 61", "CH-8001"), digits split the local way (3+2 in
# Czechia, Slovakia, Greece and Sweden; 2-3 in Poland; 4-3 in Portugal; 5-3 in Brazil; 5-4 in the US and Mexico;
# 4 and two letters in the Netherlands), 4 to 7 digits whole, or a British or Irish postcode.
_POSTCODE = re.compile(
    r"(?<![\w/.])(?<![\d/.-]-)(?:(?:[A-Z]{1,2}|ΤΚ|Τ\.Κ\.)[- \t])?"
    r"(?:\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3,4}|\d{4}[ \t]?[A-Z]{2}|\d{4,8}"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|[A-Z]\d\d[ \t][A-Z\d]{4})(?![\w-]|[.,]\d)"
)
_GATE = re.compile(r",[ \t]*[^\n,]{0,40}\d\d")
_PHONE_WORD = re.compile(r"(?i:phone|mob|tel|cel|fax|whats|call|number|contact)")
_SEGMENT_SPLIT = re.compile(r"[ \t]*(?:,+|\t)[ \t]*")
_LONG_NUMBER = re.compile(r"\d{6}")
_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(
    r"(?:#|№|No\.?|Nr\.?|N[º°]\.?|nr\.?|no\.?)?\d{1,5}[^\W\d_]?(?:[/-]\d{1,5}[^\W\d_]?){0,2}\.?|S/N|s/n|#|№"
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’.ʻª&/-]{0,30}")


def _is_word(token: str) -> bool:
    """A word of any script: a letter, then letters, digits, combining marks (Devanagari, Bengali, Thai vowel signs
    are no ``\\w``) and the joiners of names."""
    if _WORD_RE.fullmatch(token):
        return True
    return (
        0 < len(token) <= 31
        and token[0].isalpha()
        and all(ch.isalnum() or ch in "'’.ʻª&/-" or unicodedata.category(ch)[0] == "M" for ch in token)
    )


# lower-case words that are part of a street's or town's name in many languages (everyday English words otherwise)
_PARTICLES = frozenset(
    "de di do da dos das des du del della dei degli la le les van von der den am an im na nad pod pri sur sous en y e "
    "i u v w z "
    "bei ob al el".split()
)
_STREET_WORDS = frozenset(
    "rue boulevard avenue chemin route place allée impasse quai via viale piazza largo vicolo travessa rua calle plac "
    "aleja cesta trg ulica ulice utca út tér sétány köz naselje gasse weg strasse straße ring platz gatan vej gade "
    "vei katu tie kuja puistobulevardi straat laan steeg plein kaai estrada avenida av alameda rodovia travessa praca "
    "praça viela beco ladeira contrada borgo corso strada piazzale vicolo carrera camino paseo pasaje callejon "
    "callejón cuesta ronda plaza carretera diagonal transversal".split()
)
# words that introduce an address and are none of it ("LKA 2217 W Broadway ...", "Adresse Kurfürstenstraße 118")
_CUE_WORDS = frozenset(
    "lka addr address adresse adres direccion endereco indirizzo anschrift wohnhaft domicilio domicile ie i.e "
    "c/o aka dob".split()
)
_CHAT_STOP = frozenset(
    "at to in on from is was lives live living stays staying with near by of and or for the a an my her his their our "
    "your its it this that address adresse".split()
)


def _accepted(token: str) -> bool:
    """A token that may be part of an address segment: a number, a word that is no chat word."""
    bare = token.strip("()")
    if _NUMBER.fullmatch(bare):
        return True
    if not _is_word(bare):
        return False
    first = bare[0]
    folded = fold_accents(bare.rstrip(".")).casefold()
    if folded.rstrip(".") in _CUE_WORDS:
        return False
    if first.isupper() or first.lower() == first.upper():  # title case, or a script without case
        return folded not in _CHAT_STOP or (
            bare.endswith(".") and len(bare) <= 4
        )  # "Of. 142": an abbreviation
    lowered = bare.rstrip(".").casefold()
    if lowered in _PARTICLES or lowered in _STREET_WORDS or folded in _STREET_WORDS:
        return True
    if bare.isascii() or any("a" <= ch <= "z" for ch in folded):
        return False  # a lower-case Latin word that is no street word: "addr", "wohnhaft", "chez", "w/"
    return folded not in COMMON_WORDS  # lower-case Cyrillic, Greek, Armenian: "ул.", "д.", "бул."


def _trimmed(segment: str, offset: int) -> tuple[int, list[str]]:
    """The segment's accepted tail: (start offset, tokens), stopping at a chat word or a colon."""
    tokens = list(_TOKEN.finditer(segment))
    kept: list[re.Match[str]] = []
    for token in reversed(tokens):
        text = token.group(0)
        if text.endswith(":") or not _accepted(text) or len(kept) >= 8 or _LONG_NUMBER.search(text):
            break
        kept.append(token)
    kept.reverse()
    # a leading particle is no street ("de" in "to de Amada"): drop lower-case particles at the front
    while kept and kept[0].group(0).casefold() in _PARTICLES and kept[0].group(0).islower():
        kept.pop(0)
    # a house number first with its street's name after it: words before that number are someone's name ("Bolaji
    # Adeyemi-Cole  417 Kenilworth Ave"), unless a street word is among them ("Calle 5a Sur Poniente 214")
    for i, token in enumerate(kept[1:-1], start=1):
        if token.group(0).isdigit() and len(token.group(0)) >= 2:
            head = [t.group(0) for t in kept[:i]]
            tail = [t.group(0) for t in kept[i + 1 :]]
            if (
                any(_is_word(t) and fold_accents(t.rstrip(".")).casefold() not in _UNIT_WORDS for t in tail)
                and not _street_worded(head)
                and not any(any(ch.isdigit() for ch in t) for t in head)
            ):
                kept = kept[i:]
            break
    if not kept:
        return offset + len(segment), []
    lead = len(kept[0].group(0)) - len(kept[0].group(0).lstrip("("))  # "(77 Bergen St, ...)": not the bracket
    return offset + kept[0].start() + lead, [
        t.group(0).lstrip("(") if j == 0 else t.group(0) for j, t in enumerate(kept)
    ]


def _kind(tokens: list[str]) -> str:
    numbers = [t for t in tokens if _NUMBER.fullmatch(t.strip("()"))]
    words = [t for t in tokens if not _NUMBER.fullmatch(t.strip("()"))]
    if not tokens:
        return "none"
    if not words:
        # a house number ("611", "S/N", "22/B"), not a date ("11/30/1991") or a run of numbers
        house = numbers[0] if len(numbers) == 1 else ""
        if not house or house.count("/") + house.count("-") > 1 or _DECADE.fullmatch(house):
            return "none"  # not a date ("11/30/1991"), a run of numbers or an age ("40s")
        return "house"
    if not numbers:
        return "words"
    return "street" if any(ch.isdigit() for t in numbers for ch in t) else "words"


def _named(words: list[str]) -> bool:
    """At least one word of the street that is no everyday English word ("Chapter 5" is no street)."""
    vocabulary = everyday_words()
    return any(
        not _NUMBER.fullmatch(w)
        and fold_accents(w.strip(".()")).casefold() not in vocabulary
        and len(w.strip(".()")) > 1
        for w in words
    )


def _units_only(tokens: list[str]) -> bool:
    """A house number alone or with its flat, floor or office ("611", "32 Appartamento 11", "174 Edif. 766"), not a
    house number with its street's name ("1417 Crosstimbers St")."""
    return all(
        _NUMBER.fullmatch(t.strip("()")) or fold_accents(t.rstrip(".")).casefold() in _UNIT_WORDS
        for t in tokens
    )


def _street_worded(tokens: list[str]) -> bool:
    return any(fold_accents(t.rstrip(".")).casefold() in _STREET_WORDS for t in tokens)


def _age_like(token: str) -> bool:
    """One or two digits alone: after a name that is an age as often as a house number ("Gary Whitcomb, 52")."""
    return token.isdigit() and len(token) <= 2


def _only_a_name(tokens: list[str]) -> bool:
    """ "Gary L. Whitcomb": given names, surnames and initials only -- a person before their age, not a street."""
    given, family = first_names(), last_names()
    for token in tokens:
        key = fold_accents(token.strip(".,()")).casefold()
        if key in _STREET_WORDS:
            return False  # "Via Garibaldi"
        if len(key) <= 1 or key in given or key in family:
            continue
        return False
    return True


def _town_words(words: str) -> str:
    """A town's words up to the first lower-case word that is no particle ("Platt (BZ) for two" -> "Platt (BZ)")."""
    kept: list[str] = []
    for word in words.split(" "):
        if kept and word[:1].islower() and word.casefold() not in _PARTICLES:
            break
        kept.append(word)
    while kept and kept[-1][:1].islower():
        kept.pop()
    return " ".join(kept)


def _street_named(words: list[str]) -> bool:
    """Before a postcode of five digits or a local shape: a street word, or a capitalised word of four letters or more
    that is no chat word ("Via Garibaldi, 40, 10122 ...": Garibaldi is an everyday word in English text)."""
    for word in words:
        key = fold_accents(word.strip(".()")).casefold()
        if key in _STREET_WORDS or (word[:1].isupper() and len(key) >= 4 and key not in COMMON_WORDS):
            return True
    return False


def _town_light(words: str) -> bool:
    """After a postcode of five digits or a local shape, a capitalised word that is no chat word ("75018 Paris")."""
    first = words.split()[0]
    return (
        first[:1].isupper()
        and fold_accents(first).casefold() not in COMMON_WORDS
        and not (first.isupper() and len(first) <= 4 and len(words.split()) == 1)
    )


def _town(words: str) -> bool:
    parts = [w for w in re.split(r"[ \t/()-]+", words) if w]
    if not parts:
        return False
    first = parts[0]
    if not _is_word(first) or (first[0].lower() != first[0].upper() and not first[0].isupper()):
        return False
    if first.isupper() and len(first) <= 4 and len(parts) == 1:
        return False  # a currency or state code: "48000 EUR"
    return not all(
        fold_accents(p).casefold() in COMMON_WORDS or fold_accents(p).casefold() in everyday_words()
        for p in parts
    )


_NEXT_TOWN = re.compile(
    r",[ \t]*(?P<t>[^\W\d_][\w'’.-]*(?:[ \t-]+(?:[^\W\d_][\w'’.-]*|\([A-Z]{2,3}\))){0,3})(?![\w'’.-])"
)
_STATE_AFTER = re.compile(r"[ \t]+[/-][ \t]+[A-Z]{2}(?![\w-])")
_DECADE = re.compile(r"\d0['’]?s")
_TOWN_BEFORE_HYPHEN = re.compile(r"(?:[a-zß-ÿ]|[^\x00-\u024f])[^\W\d_]*-$")
_STREET_SUFFIXES = frozenset(
    "st ave av rd dr ct ln blvd way pl pkwy hwy ter cir trl street road avenue drive lane".split()
)
_ID_CUES = frozenset("dl cdl mrn ssn id dob pp no nr apt ste rm tel ph fax ein itin tin".split())
_UNIT_WORDS = frozenset(
    "apt apto ap appartamento apartamento piso piano interior int of oficina edif edificio depto dpto casa bl sc et "
    "etaj kv lok bodega torre local dto dpt flat unit".split()
)
_REGION_CODE = re.compile(r"(?:[A-Z]{2,4}|[A-Z]\.[ \t]?[A-Z]{2,4})")


def find_postal_lines(text: str) -> Iterator[Finding]:
    if "," not in text or _GATE.search(text) is None:
        return
    posts = list(_POSTCODE.finditer(text))
    for index, post in enumerate(posts):
        later = posts[index + 1] if index + 1 < len(posts) else None
        between = text[post.end() : later.start()] if later is not None else ""
        if (
            later is not None
            and "\n" not in between
            and between.count(",") <= 2
            and len(between) < 60
            and _PHONE_WORD.search(between) is None
        ):
            continue  # "52, 6605 Ridgecrest Ct, Arlington TX 76016": the postcode is the later number
        line_start = text.rfind("\n", 0, post.start()) + 1
        line_end = text.find("\n", post.end())
        line_end = len(text) if line_end < 0 else line_end
        # the postcode's segment: from the comma before it to the comma after it
        seg_start = text.rfind(",", line_start, post.start()) + 1 or line_start
        if seg_start == 0:
            seg_start = line_start
        comma_after = text.find(",", post.end(), line_end)
        seg_end = line_end if comma_after < 0 else comma_after
        before = text[seg_start : post.start()].strip()
        after_match = re.match(
            r"[ \t-]*((?:[^\W\d_][\w'’.-]*)(?:[ \t-]+(?:[^\W\d_][\w'’.-]*|\([A-Z]{2,3}\))){0,3})",
            text[post.end() : seg_end],
        )
        after = after_match.group(1) if after_match else ""
        # the town after the postcode: up to the first chat word ("38577 CarlierBourg tomorrow")
        if after:
            town_words: list[str] = []
            for w in after.split():
                if town_words and (
                    (w.islower() and w.casefold() not in _PARTICLES)
                    or (w.casefold() in COMMON_WORDS and w.casefold() not in _PARTICLES)
                ):
                    break
                if w.endswith(".") and len(w) > 4:
                    town_words.append(w[:-1])  # "81545 München. Host dad ...": the sentence ends there
                    break
                town_words.append(w)
            while town_words and town_words[-1].islower():
                town_words.pop()
            after = " ".join(town_words)
        code = post.group(0)
        if text[post.start() - 1 : post.start()] == "-" and not _TOWN_BEFORE_HYPHEN.search(
            text, 0, post.start()
        ):
            continue  # "VA UDL-7740": a code, not "Kota-144102"
        if after and after.split()[-1].casefold().rstrip(".") in _STREET_SUFFIXES:
            continue  # "6605 Ridgecrest Ct": a house number and its street, not a postcode and its town
        year_like = code.isdigit() and len(code) == 4 and 1900 <= int(code) <= 2039
        strong_code = not code.isdigit() or len(code) >= 5
        town_after = bool(after) and (_town(after) or (strong_code and _town_light(after)))
        town_before = bool(before) and (
            (_REGION_CODE.fullmatch(before) is not None and before.casefold() not in _ID_CUES)
            or (
                _town(before.rstrip("-").strip())
                and len(before.split()) <= 3
                and not any(w.casefold() in _ID_CUES for w in before.split())
                and not all(w.isupper() and (len(w) <= 4 or len(before.split()) > 1) for w in before.split())
            )
        )
        if code.isdigit() and len(code) == 8 and not town_after:
            continue  # eight digits run together are Brazil's postcode only with the town after it
        if before and not town_before:
            continue  # words before the postcode in its segment that are no town: "invoice total 1 803 862"
        end = post.end()
        if town_after:
            end = text.index(after, post.end()) + len(after)
        elif not town_before and comma_after >= 0 and not text[post.end() : comma_after].strip():
            # the town in the next segment ("5661 OU, Norg", "43058, Chiozzola (PR)")
            nxt = _NEXT_TOWN.match(text, comma_after, line_end)
            if nxt is not None and not year_like:
                words = _town_words(nxt.group("t"))
                if words and _town(words):
                    town_after, end = True, nxt.start("t") + len(words)
        # the segments before the postcode's, nearest first
        head = text[line_start:seg_start]
        offsets: list[tuple[int, str]] = []
        pos = 0
        for piece in _SEGMENT_SPLIT.split(head):
            idx = head.find(piece, pos) if piece else pos
            offsets.append((line_start + idx, piece))
            pos = idx + len(piece)
        if offsets and not offsets[-1][1]:
            offsets.pop()  # the empty piece after the last comma
        if not offsets:
            continue
        segs = [(off, seg, *_trimmed(seg, off)) for off, seg in offsets]
        kinds = [_kind(tokens) for _o, _s, _f, tokens in segs]
        wholes = [first == off + (len(seg) - len(seg.lstrip())) for off, seg, first, _t in segs]
        if not (town_after or town_before) and (
            len(segs) < 2
            or (
                code.isdigit()
                and not (
                    kinds[-1] == "words"
                    and wholes[-1]
                    and (_town(segs[-1][1]) or _REGION_CODE.fullmatch(segs[-1][1]) is not None)
                )
            )
        ):
            continue  # a postcode of digits alone needs its town in the segment before ("Albacete, 23773")
        found = None
        j = len(segs) - 1
        extras = 0
        while j >= 0 and extras <= 3:
            if kinds[j] in ("street", "house"):
                found = j
                break
            if (
                kinds[j] == "words"
                and wholes[j]
                and j > 0
                and kinds[j - 1] == "house"
                and len(segs[j - 1][3]) == 1
            ):
                found = j - 1  # "534, rue Margaux Lebreton, 38577 ..."
                break
            if kinds[j] != "words" or not wholes[j]:
                break
            extras += 1
            j -= 1
        if found is None:
            continue
        first_seg = found
        # further left: more numbered segments ("Circuito Nuevo León 174 Edif. 766, Depto. 143, ..."), or the street's
        # name before a segment that opens with its number ("R. de Almeida, 611, ...", "Contrada Onio, 32 Piano 4")
        while first_seg > 0 and wholes[first_seg] and found - first_seg < 3:
            prev = first_seg - 1
            opens_with_number = (
                bool(segs[first_seg][3]) and _NUMBER.fullmatch(segs[first_seg][3][0]) is not None
            )
            if kinds[prev] == "street" and kinds[first_seg] != "house":
                first_seg = prev
                continue
            if (
                kinds[prev] == "words"
                and opens_with_number
                and _units_only(segs[first_seg][3])
                and not _only_a_name(segs[prev][3])
                and (_street_worded(segs[prev][3]) or not _age_like(segs[first_seg][3][0]))
            ):
                first_seg = prev
            break
        named_words = [
            t
            for k in range(
                first_seg,
                found
                + 1
                + (kinds[found] == "house" and found + 1 < len(segs) and kinds[found + 1] == "words"),
            )
            for t in segs[k][3]
        ]
        if not (_named(named_words) or (strong_code and _street_named(named_words))):
            continue
        if year_like and not (town_after and _named(after.split()) if after else False):
            continue  # "Exhibit 4, 2019 Report"
        start = segs[first_seg][2]
        state = _STATE_AFTER.match(text, end)
        if state is not None:
            end = state.end()  # "74766143 Fogaça Paulista / MS", "São Paulo - SP"
        yield Finding(start, end, ADDRESS, 0.75, "postal_line")
