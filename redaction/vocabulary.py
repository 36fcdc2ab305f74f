"""Word lists that keep ordinary coordination talk out of the PERSON label.

Why these exist: the small English model and the name lexicon both fire on words that are names *and* everyday words
("will", "grace", "hope"), on agency acronyms ("HSI", "DA") and on calendar words. Each list says which rule uses it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from spacy.lang.en.stop_words import STOP_WORDS

# First names in the lexicon that are also common words or places: never a name on lexicon evidence alone. NER and
# the cue rules ("her name is Grace") still catch them.
AMBIGUOUS_FIRST_NAMES: frozenset[str] = frozenset(
    """
    africa alta america amor angel angeles april aurora austin autumn bill brook brooke chase che charlotte chelsea
    coral corona crystal dale dakota dawn dean del destiny diamond dom don drew faith flor gala gene georgia gil glen
    grace guy hunter iris isis israel jack jade jay jesus joy kay lance lee leo liz lynn mar mark max may melody
    mercedes misty morgan olive pastor paz raven ray regina reyes rico rose ross ruby salud sandy santos savannah
    sierra sol summer sue sydney trinidad troy victoria virginia ale ani eli isa lope rael ravy sessa yan carol
    ebony madison jackson parker taylor cruz rosario guadalupe lourdes carolina santiago leon america florencia
    soledad estrella china ave piedad pio noa tito pam pia dan mario jos ravi paige penny rick nico amada amado
    reina bella dora lara tara kim justin eugene tyler logan cameron tanner bailey casey riley sage john grant
    will bill
    """.split()
)

# Calendar, agency and coordination words that the model sometimes tags PERSON; a PERSON span made only of these
# is dropped.
NOT_A_PERSON: frozenset[str] = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday january february march
    june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    hsi fbi dhs ice cbp doj ovc da ada ausa ncmec hpd lapd nypd cps dfps tvpa uscis ero dea atf usao ag sa sgt det
    polaris hotline ngo le nyc pd sheriff task force team lead coordinator caseworker advocate prosecutor detective
    agent officer judge court victim client survivor suspect ok okay lol thx thanks pls please hi hey hello yes no
    tip tips case cases op ops operation zoom teams slack signal matrix motel hotel uber lyft walmart
    iban ssn itin dob dl mrn gps pin
    zelle venmo cashapp paypal ocr exif whatsapp telegram wechat kik snapchat tiktok roblox discord fortnite
    altima odyssey camry corolla civic accord sentra maxima tahoe silverado malibu impala charger explorer
    """.split()
)
# The two-letter codes of the 50 states and DC, as a regular-expression alternation (case-sensitive where used).
US_STATE_CODES = (
    r"A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY]"
)
# Nationalities, demonyms and languages: "(German)", "needs mandarin interp" are not people.
NATIONALITIES: frozenset[str] = frozenset(
    """
    american mexican honduran guatemalan salvadoran salvadorean nicaraguan venezuelan colombian ecuadorian peruvian
    bolivian brazilian argentinian argentine chilean cuban haitian dominican puerto rican jamaican chinese korean
    vietnamese thai filipino filipina indonesian indian pakistani nigerian ghanaian kenyan ethiopian eritrean somali
    ukrainian russian romanian moldovan polish bulgarian albanian german french italian spanish english british
    irish canadian african asian latina latino latinx hispanic arab arabic mandarin cantonese portuguese tagalog
    spanish creole english
    amharic tigrinya oromo maay maxaa fuzhounese nepali lakota dine diné navajo hmong mam kiche k'iche q'eqchi
    akateko chuj ixil kanjobal qanjobal mixteco mixtec zapoteco zapotec triqui nahuatl quechua garifuna wolof
    fulani fula pulaar twi yoruba igbo hausa swahili kinyarwanda lingala tagalog ilocano cebuano visayan bisaya
    bengali bangla urdu punjabi hindi gujarati tamil telugu sinhala dari pashto farsi burmese karenni kachin
    chin rohingya khmer lao mongolian uzbek kazakh kyrgyz tajik turkmen georgian armenian haitian kreyol kreyòl
    hawaiian chuukese marshallese samoan tongan micronesian palauan chamorro fijian amish mennonite
    hutterite
    """.split()
)
# Titles before a name: not part of the name ("Ms. Tran", "Pastor Ramón" -> only the name is masked).
TITLES: frozenset[str] = frozenset(
    """
    mr mrs ms miss mx dr pastor reverend rev father fr sister sr brother br officer ofc det sgt lt capt cpl
    senor señor senora señora srta sra don doña dona tia tio abuela abuelo rip
    """.split()
)

# Everyday words that end a run of name tokens and are never a name after a cue ("client consented", "victim
# advocate"). spaCy's English stop words are included.
_CHAT_WORDS = """
    said says say told tell called call calling calls came come coming went go going goes gone got get gets getting
    left leave leaving missed miss showed show shows needs need needed wants want wanted has had have having was were
    is are be been being did does do done made make makes took take takes gave give gives asked ask asks signed sign
    reported report reports advocate advocates services service intake meeting meetings interview interviews
    interviewed vehicle car truck van statement statements shelter housing safe unsafe okay ok fine well good bad
    consented consent refused declined agreed agrees confirmed confirm confirms stated states disclosed disclose
    contacted contact contacts file files case cases number numbers info information update updates status notes note
    advocate witness witnesses coordinator caseworker worker workers team teams office unit units agency agencies
    hearing hearings court trial plea appointment appointments paperwork form forms release releases visa tvisa
    housing rent money cash payment payments phone phones text texts texted message messages messaged email emailed
    hotline tip tips report reports record records account accounts app apps profile profiles page pages post posts
    ad ads listing listings photo photos pic pics picture pictures video videos house home apartment motel hotel room
    rooms street address location area city county state federal local police cops cop officer officers agent agents
    detective detectives sergeant lieutenant prosecutor prosecutors judge attorney attorneys lawyer lawyers doctor
    nurse hospital clinic school work job jobs boss manager owner family friend friends kid kids child children baby
    daughter son mother father mom dad sister brother cousin aunt uncle boyfriend girlfriend husband wife partner
    people person someone somebody anyone everyone nobody guy guys girl girls woman women man men lady ladies boy boys
    minor minors adult adults victim victims client clients survivor survivors suspect suspects trafficker traffickers
    pimp pimps buyer buyers today tomorrow tonight yesterday morning afternoon evening night week weekend
    month year years day days hour hours minute minutes time times now later soon asap eod here there back still just
    also too very really maybe probably definitely yes yeah yep nope no not never always sometimes again already yet
    please thanks thank thx ty lol omg hi hey hello bye new old next last first second third other another same own
    sure right wrong ready busy available free open closed late early pending active inactive urgent priority
    scared afraid worried upset crying sick hurt injured pregnant tired hungry missing found located recovered arrested
    charged released detained deported transferred placed moved staying stays stayed lives living lived works working
    worked uses using used knows know knew thinks think thought says saying wants wanting trying tried try tries
    hotline number meeting follow followup followed up down out in on at by for with from into onto about over under
    again who whom whose which what when where why how this that these those it its they them their she her he him his
    we us our you your i me my mine yours hers theirs ours myself herself himself themselves itself ourselves
    and or but if then else so because since until while though although aka a.k.a real name names
    hmm hmmm umm uh ugh doesnt dont cant wont isnt didnt wasnt arent shes hes theyre thats whats drives drove drive
    driving rides ride runs ran owns owned pays paid stays texts calls lives says tá ta esta está estaba tiene vive
    com sem para pero con por los las del mas más
    quick quickly reminder fyi heads original forwarded brief agenda
    """
COMMON_WORDS: frozenset[str] = (
    frozenset(STOP_WORDS) | frozenset(_CHAT_WORDS.split()) | NOT_A_PERSON | NATIONALITIES | TITLES
)

# Suffixes of everyday English words; a lower-case word after a weak cue ("client consented") with one of these is
# not read as a name.
COMMON_SUFFIXES: tuple[str, ...] = (
    "ed", "ing", "ly", "tion", "sion", "ment", "ness", "ity", "ous", "ive", "ful", "able", "ible", "ance", "ence",
    "ship", "ism", "ist", "less", "est",
)  # fmt: skip


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Accent- and case-folded first names (see ``data/build_name_lexicon.py`` for the source)."""
    return _load("first_names.txt") - AMBIGUOUS_FIRST_NAMES - COMMON_WORDS


@lru_cache(maxsize=1)
def extra_first_names() -> frozenset[str]:
    """Given names of more locales (``data/first_names_extra.txt``: English beyond the US, South and Central Asian,
    African, French, Italian, Turkish...), taken only with evidence: they are rarer and more often words elsewhere."""
    return _load("first_names_extra.txt") - first_names() - AMBIGUOUS_FIRST_NAMES - COMMON_WORDS


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Accent- and case-folded surnames, used only to extend a name already found ("maria lopez")."""
    return _load("last_names.txt") - COMMON_WORDS - _COMMON_SURNAME_WORDS


_COMMON_SURNAME_WORDS = frozenset(
    """
    white young king hill wood green black brown long price love bell rich page lane day may ford cook baker park mills
    house church rose hunt west north south east little moon sharp short strong snow frost fox wolf bird banks booth
    bush case cross good hope horn knight law marsh mercy nash rice ward hall wall walker carter turner porter rivers
    lake field fields stone small young webb bishop pope major dean mason miller hunter fisher gardner glass gray grey
    hart hay holmes house jordan lamb land lord mann mark marks may mayo noble page paris person power powers reed
    rich ridge rock rose ross royal ruiz salt santa cruz shields ship silver sims spears spring stark steel storm
    street sun swan tate temple todd towns tucker vale vance vega waters watts west wolf wise woods wright york
    """.split()
)


@lru_cache(maxsize=1)
def solo_last_names() -> frozenset[str]:
    """Surnames that are no English word; alone ("nguyen from the salon") they are taken as a name."""
    return _load("solo_last_names.txt") & last_names()


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Lower-case everyday English words (``data/build_everyday_words.py``): a capitalised word outside this list,
    the name lexicon and the place list is an unknown proper noun -- in a person context, a name."""
    return _load("everyday_words.txt") | COMMON_WORDS


def everyday_or_inflected(key: str) -> bool:
    """A lower-case ``key`` that is an everyday word, or a simple -s/-ing/-ed inflection of one whose stem has three
    letters or more ("scheduling", "updates")."""
    everyday = everyday_words()
    if key in everyday:
        return True
    stems = []
    if key.endswith("ing"):
        stems += [key[:-3], key[:-3] + "e", key[:-4]]
    if key.endswith("s"):
        stems += [key[:-1], key[:-2]]
    if key.endswith("ed"):
        stems += [key[:-2], key[:-1]]
    return any(len(stem) >= 3 and stem in everyday for stem in stems)


@lru_cache(maxsize=1)
def word_names() -> frozenset[str]:
    """Everyday words that are given names ("precious", "blessing", "lily", "hank"; ``data/build_word_names.py``): a
    model's one-word PERSON finding that is an everyday word stays masked without more evidence only when it is one."""
    return _load("word_names.txt")


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Accent- and case-folded place names (one to four words) that are never a person on NER or lexicon evidence:
    the hand list, GeoNames, the countries' names in the languages of ``phonenumbers``' locale data ("Türkiye",
    "Україна"), and the towns of two words or more of its geocoding data."""
    return (
        _load("places.txt")
        | _load("places_geonames.txt")
        | _load("places_countries.txt")
        | frozenset(t for t in _phone_towns() if " " in t)
    )


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """Countries' names in English and as their own people write them (``data/build_places_countries.py``): "turkiye",
    "ukraine", "deutschland"; none is a person's name of the lexicons."""
    return _load("places_countries.txt")


@lru_cache(maxsize=1)
def towns() -> frozenset[str]:
    """One-word towns of the ``phonenumbers`` geocoding data ("Whiteriver", "Walcott", "Ogallala"): many are also
    surnames ("Mullins", "Napier"), so they are places only after a locative preposition ("out of Whiteriver")."""
    return frozenset(t for t in _phone_towns() if " " not in t)


@lru_cache(maxsize=1)
def _phone_towns() -> frozenset[str]:
    """``data/places_phonenumbers.txt`` (``data/build_places_phonenumbers.py``)."""
    return _load("places_phonenumbers.txt")


@lru_cache(maxsize=1)
def first_name_places() -> frozenset[str]:
    """Places that are also first names of the lexicon ("Travis", "Edison", "Cheyenne", "Warren"): left out of
    ``places()`` (missing a name leaks), so a one-word PERSON finding that is one needs evidence of a person."""
    return _load("places_first_names.txt")


@lru_cache(maxsize=1)
def listed_places() -> frozenset[str]:
    """The hand-listed places of ``places.txt`` (cities and agencies' towns task forces name as actors: "Pasadena
    says ..."), without the long GeoNames list."""
    return _load("places.txt")


def _load(name: str) -> frozenset[str]:
    text = resources.files("redaction").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        " ".join(line.split()) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
