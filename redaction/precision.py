"""False-alarm classes: findings that have the shape of PII but are ordinary task-force talk.

Each rule here is a *class* of false alarm measured on the clean-message corpus and the tuning halves of the blind
sets (docs/redaction-evaluation.md), not a single string: places and organisations named like people ("St. Jude's",
"Mary's House", "Austin RAC", "Chandler, Gilbert and Mesa PDs"), weekday abbreviations, contractions after a cue
word ("client doesn't"), ordinary words in ALL CAPS notices, place lists read as cross streets, case and statute
numbers and 24-hour time ranges read as phones, toll-free numbers, everyday words read as handles. A rule never
applies to a name given after a strong cue ("named X", "aka X") or matched by the deny-list.

``false_alarm(text, finding)`` is called on every finding before the context passes (so an "age" is not attached
to a place) and again on the findings of the every-occurrence pass.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_right
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS

from redaction.completion import PARTICLES
from redaction.findings import (
    ADDRESS,
    AGE,
    DRIVER_LICENSE,
    HANDLE,
    LICENSE_PLATE,
    PASSPORT,
    PERSON,
    PHONE,
    SSN,
    Finding,
)
from redaction.names import person_evidence
from redaction.normalise import fold_accents
from redaction.tagger import ordinary_word
from redaction.vocabulary import (
    AMBIGUOUS_FIRST_NAMES,
    COMMON_SUFFIXES,
    NATIONALITIES,
    US_STATE_CODES,
    countries,
    everyday_words,
    extra_first_names,
    first_name_places,
    first_names,
    last_names,
    listed_places,
    places,
    towns,
    word_names,
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# A name never contains a contraction: "doesn't", "I've", "won't", "let's" (a possessive "'s" is cut off before).
_CONTRACTION = re.compile(r"(?i:[^\W\d_]+n['’]t|[^\W\d_]+['’](?:ve|ll|re|m|d)|i['’][a-z]+|let['’]s)")
# Weekday abbreviations that are nobody's name ("Thu", "Sun", "Mon" are: they keep the schedule rule in engine.py).
_WEEKDAY_WORDS = frozenset("tue tues weds wed thur thurs fri sat".split())
# A word before a name-like word that makes it a place or an organisation: "St. Jude's", "Saint Vincent", "Casa
# Esperanza", "Casa de Luz", "Fort Lee", "Mount Hermon".
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:St|Ste|Saint|Sainte|Fort|Ft|Mount|Mt|Lake|Port|Camp|Casa|Hogar|Centro|Iglesia|Colegio|Escuela|"
    r"Hospital|Hotel|Villa|Rancho|Club|Op|OP|Operation|OPERATION|thứ|Thứ|Hurricane|Typhoon|Cyclone|Storm|PT|USS|HMS)\.?(?:[ \t]+(?:de|del|de[ \t]+la|de[ \t]+los|do|da|dos|das))?"
    r"[ \t]+)$"
)
# A saint's given name before a span opening with a particle: "St. Vincent [de Paul]", "San Juan [de Dios]".
_SAINT_BEFORE = re.compile(r"\b(?:St|Saint|Ste|Sainte|San|Santa|Santo|São|Sao)\.?[ \t]+[A-Z][a-z]+[ \t]+$")
_SAINT_PARTICLES = frozenset("de del da do dos das di of la".split())
_SAINT_PARTICLE_BEFORE = re.compile(
    r"\b(?:St|Saint|Ste|Sainte|San|Santa|Santo|São|Sao)\.?[ \t]+[A-Z][a-z]+[ \t]+(?:de|del|da|do|dos|das|di|of)[ \t]+$"
)
# A capitalised word after a name-like word (after an optional "'s") that makes the whole an organisation or a
# place: "Mary's House", "Covenant House", "Trevor Project", "Hays Medical", "Tamiami Trail", "Salinas Valley".
# Words that are common surnames ("Hall", "Park", "Hill", "Rock") are not in the list.
_ORG_HEADS = frozenset(
    """
    house haven place center centre charities ministries ministry mission project foundation shelter church parish
    cathedral chapel temple mosque synagogue hospital clinic health medical memorial general stadium arena tower
    bldg building terminal elementary academy university college institute coalition alliance services
    network society trail valley roads rodeo channel square cafe café diner restaurant spa salon market mall plaza
    bridge island bay beach river creek canyon heights springs falls harbor harbour gardens station depot airport
    county parkway pkwy expressway freeway turnpike corridor district township borough village campus courthouse
    program programme initiative fund dept department agency high brothers bros state award awards prize
    scholarship fellowship library consulting
    regional national international freight trucking logistics transport motors inn suites motel hotel stay
    school schools tollway thruway bypass airways airlines
    parade parades festival fest gala marathon expo carnival jubilee extravaganza convention conference
    massage braids lashes bbq barbecue grill kitchen bakery taqueria tacos pizza pizzeria boutique barbershop lounge
    tavern pub bistro deli laundromat cleaners daycare catering pharmacy supermarket grocery auto towing garage
    pavilion auditorium coliseum colosseum theater theatre amphitheater amphitheatre fieldhouse ballpark speedway
    raceway racetrack casino superdome dome courts courthouses annex
    tribe tribes nation nations pueblo rancheria reservation lighthorse
    baptist lutheran methodist presbyterian episcopal pentecostal adventist tabernacle
    """.split()
)
# Events and things whose name opens with an event word: "Rodeo Houston", "Fiesta San Antonio".
_EVENT_OPENERS = frozenset("rodeo fiesta parade festival carnival expo marathon gala".split())
# Organisation words that open an organisation's name: "Memorial Hermann", "Parish Hall", "University Medical".
_ORG_OPENERS = frozenset(
    """
    memorial parish county hospital clinic medical health university college church cathedral chapel academy
    institute ministries ministry foundation center centre general united
    """.split()
)
# Street types after a name: "Dr. Martin Luther King Jr. Blvd", "Harry Hines Blvd" (not "St" or "Dr": "Maria St.
# Clair", "Lopez Dr." are people).
_STREET_HEADS = frozenset("blvd boulevard ave avenue rd road hwy highway street pkwy parkway fwy freeway expy".split())
# The name, up to two more capitalised words and an organisation or street word: "Ronald [McDonald] House".
_ORG_AHEAD = re.compile(
    r"(?:['’]s)?(?:[ \t]+[A-Z][a-z][\w'’-]*){0,2}\.?[ \t]+(?=[A-Z][a-z])(?i:"
    + "|".join(sorted(_ORG_HEADS | _STREET_HEADS, key=len, reverse=True))
    + r")\b(?![\w-])"
)
# Lower-case words after "the X" that make X a building or a program: "the Frederick Douglass building", "the
# Jesse Tree food pantry".
_FACILITY_AFTER = re.compile(
    r"(?:[ \t]+[A-Z][a-z][\w'’-]*){0,2}(?:[ \t]+[a-z]+)?[ \t]+(?:building|bldg|campus|hospital|clinic|library|pantry|"
    r"shelter|hall|gym|auditorium|courthouse|plant|factory|warehouse|store|dropoff|strip|program|grant|fund|"
    r"foundation|parade|parades|stadium|arena|festival|concert|route|float|floats|krewe|rally|vigil|fundraiser|gala|"
    r"game|games|tournament|lot|garage|site|venue)\b"
)
# Agency and office acronyms written after a place ("Austin RAC", "Kalamazoo DPS", "Chester ED", "King County
# PAO") or before one ("FCI Butner", "CT DCF"); with the US state codes.
_ORG_ACRONYMS = frozenset(
    """
    rac dps dcfs dcf dcs dss dhs dhr dfps cps aps cac ed er mci fci pd pds so sos da das pao sao usao isd cisd
    hs ms es ice hsi fbi atf dea dol whd cbp uscis ero osp hpd sheriff ncmec icac jjc cjc fd ems cdle dot ag oag
    vs vw sane ovc oig irs dmv hq uk usa fo isp bci htpu icu nicu picu
    afb nas mcas mcb jbsa
    """.split()
)
# Companies, payment apps, platforms and investigative tools named in case talk ("asked Meta for the port", "Axon
# footage", "FinCEN turnaround"); names that are also people's names ("Ria", "Wise") are left out.
_PRODUCTS = frozenset(
    """
    gmail outlook hotmail yahoo verizon comcast xfinity sprint t-mobile tmobile meta facebook instagram google apple
    microsoft axon cellebrite graykey relativity fincen netspend chime wawa walgreens cvs grindr tinder bumble
    backpage craigslist megapersonals skipthegames tryst doublelist moneygram remitly payoneer coinbase lexisnexis
    accurint penlink leadsonline stripe kakaotalk kakao line viber snapchat tiktok whatsapp telegram
    linode linktree sniffies quickbooks sharepoint bitfocus zalo didi uber lyft wechat paypal zelle venmo
    """.split()
) | frozenset({"green dot", "western union", "language line", "cash app", "legal aid", "mardi gras"})
# Lower-case words after a full name that make it a building, a grant or an award named after the person, with no
# "the" before it: "Earle Cabell federal building", "Annie E. Casey grant application", "Joyful Heart grant report";
# the rest of the name may come between ("Daniel K. [Inouye] airport").
_NAMED_THING_AFTER = re.compile(
    r"(?:[ \t]+[A-Z][\w'’-]*\.?){0,2}(?:[ \t]+(?:federal|county|state|city|memorial|community|public))?[ \t]+(?:building|bldg|courthouse|grant|"
    r"grants|award|awards|scholarship|fellowship|foundation|library|fund|airport|hospital|bridge|tollway|"
    r"freeway|expressway|highway|stadium|arena|park|lake)\b"
)
# A company's legal form after a name, quoted or not: '"Baranov Freight" LLC', "Kessler Haulage, Inc.".
_COMPANY_AFTER = re.compile(
    r"[\"”'’]?,?[ \t]+(?:LLC|L\.L\.C\.|Inc|Ltd|Corp|GmbH|LLP|PLC|Pvt|Pty|S\.A\.|S\.A\.S\.|SRL|S\.R\.L\.|BV|AG)\b"
)
# A capitalised word and "Against" before a name-like word: an organisation's name ("Truckers Against
# Trafficking", "Mothers Against Drunk Driving", "Coalition Against Slavery").
_AGAINST_BEFORE = re.compile(r"\b[A-Z][a-z]+[ \t]+(?:Against|AGAINST)[ \t]+$")
# Capitalised heads that end a name of a thing only after a run of two names (they are also surnames: "Jin Park",
# "Ricki Lake", "Doris Day"): "Tom Lee Park", "Lady Bird Lake", "Martin Luther King Jr. Day".
_CAPITALISED_RUN_BEFORE = re.compile(r"(?:\b[A-Z][a-z][\w'’-]*[ \t]+){1,2}$")
_LONG_RUN_HEADS = frozenset("park lake field square garden day".split())
# A call sign: a phonetic letter joined to numbers ("Adam-12", "2-Baker-14").
_CALL_SIGN_AFTER = re.compile(r"-\d{1,3}\b")
_CALL_SIGN_BEFORE = re.compile(r"\b\d{1,2}-$")
# Bodies that end an organisation's name after a cue word that opens it ("Survivor Advisory Council").
_BODY_HEADS = frozenset("council committee board commission taskforce coalition circle collective".split())
# Laws, alerts and days named after a person: "Megan's Law", "Jessica's Law", "Valentine's Day" (after the
# possessive only: "Law" and "Day" are also surnames), "Adam Walsh Act", "Amber Alert", "Ashanti Alert".
_LAW_HEADS = frozenset("act acts alert alerts amendment".split())
_LAW_OR_DAY_AFTER = re.compile(
    r"(?:['’]s)?[ \t]+(?:Act|Acts|Alert|Alerts|Amendment)\b|['’]s[ \t]+(?:Law|Laws|Day(?![ \t]+off)|Bill|Rule)\b"
)
# A possessive name before a span that is itself the head word: "Kari's [Law]", "Rosa's [Place]" (the model's span
# is the head alone).
_POSSESSIVE_NAME_BEFORE = re.compile(r"\b[A-Z][\w-]*['’]s[ \t]+$")
_POSSESSED_HEADS = frozenset("law laws day bill rule act acts alert alerts amendment".split())
# Heads that make a thing of the capitalised word before them even without a possessive, when the model's span is the
# head alone or starts with it: "Hopi [Tribe]", "Rosebud [Sioux Tribe]", "Adam Walsh [Act]".
_NAMED_BEFORE_HEADS = frozenset("tribe tribes nation nations pueblo rancheria lighthorse act acts alert alerts".split())
_CAPITALISED_WORD_BEFORE = re.compile(r"\b[A-Z][a-z][\w'’-]*[ \t]+$")
# A pet's name: "our dog Pepper", "her cat named Tommy", "K9 Rex", "Pepper, our dog", "Pepper the cat". Pets with
# people's names are no PII (the blind-set writers' rule).
_PET_WORDS = (
    r"dog|dogs|doggo|puppy|pup|cat|cats|kitty|kitten|pet|pets|horse|pony|pitbull|pit[ \t]+bull|chihuahua|husky|"
    r"poodle|parrot|hamster|bunny|rabbit|goat|lizard|snake|turtle|k9|k-9"
)
_PET_BEFORE = re.compile(rf"(?i:\b(?:{_PET_WORDS})(?:[ \t]+(?:named|called))?[ \t]*,?[ \t]+)$")
_PET_AFTER = re.compile(rf"(?i:,?[ \t]+(?:the|our|my|her|his|their|your)[ \t]+(?:{_PET_WORDS})\b)")
# Given names that are also English verbs or modals, opening a sentence before a word that only a verb or a modal
# takes there: "Will do", "May be late", "Mark it closed", "Hope so", "Sue the landlord?", "Bill them for it" (not
# "Will said", "Hope wants to ...": a person's verb after the name keeps it a name).
_VERB_NAMES = frozenset("will may might can mark hope sue pat rob bill chase grant jack lance wade skip chuck trust".split())
_VERB_READING_AFTER = re.compile(
    r"[ \t]+(?:the|a|an|it|its|this|that|these|those|them|him|her|me|us|you|everyone|everybody|all|so|not|be|do|"
    r"have|get|go|check|call|send|need|see|try|take|make|let|keep|follow|update|confirm|circle|loop|ping|look|come|"
    r"work|help|as|down|up|off|out|your|our|my|their|his|both|each|any|some|someone|somebody|anyone|one)\b"
)
# A body's or an office's possessive: "Monzo's financial crime team", "Bedfordshire's list", "the Gov's office" --
# with a possessor no name list holds (a person's "Lopez's team" stays a name).
_INSTITUTION_POSSESSED = re.compile(
    r"['’]s[ \t]+(?:[a-z]+[ \t]+){0,2}?(?:team|teams|unit|office|offices|patch|list|jurisdiction|territory|website|"
    r"site|portal|hotline|helpline|policy|policies|protocol|queue|dept|department|division|desk|staff|headquarters|"
    r"hq|precinct|caseload|backlog|budget|funding|proclamation)\b"
)
# Holidays and festivals that the models and the lexicon take for given names ("Tết", "Songkran", "Dashain").
_HOLIDAYS = frozenset(
    """
    tet songkran thingyan dashain dasain tihar deepavali diwali navratri vaisakhi baisakhi pongal onam nowruz navruz
    norooz chuseok seollal kwanzaa hanukkah chanukah passover juneteenth ramadan ramazan losar vesak timkat meskel
    enkutatash lebaran ashura mawlid halloween thanksgiving christmas qingming carnaval
    """.split()
) | frozenset({"mardi gras", "semana santa", "hari raya", "pchum ben", "cinco de mayo", "dia de los muertos"})
# A generation suffix between a name and the head word: "Martin Luther King[ Jr.] Day".
_GENERATION_AFTER = re.compile(r"^[ \t]+(?:Jr|Sr|II|III|IV)\b")
# A model of car, van or truck after a determiner or a colour: "the Sienna was last seen", "a silver Tacoma",
# "that Odyssey" (alone they can be names: "Sienna", "Sierra" stay names with no determiner).
_VEHICLE_MODELS = frozenset(
    "sienna camry corolla prius tacoma tundra highlander rav4 4runner civic accord odyssey pilot crv cr-v altima "
    "sentra maxima rogue pathfinder frontier tahoe suburban silverado malibu impala equinox camaro yukon sierra "
    "escalade explorer expedition taurus fusion mustang escape ranger caravan charger durango journey wrangler "
    "cherokee elantra sonata tucson optima sorento soul forte sportage outback forester impreza jetta passat "
    "sprinter transit econoline express savana avalon corvette navigator".split()
)
_VEHICLE_DETERMINER_BEFORE = re.compile(
    r"(?i:\b(?:the|a|an|that|this|same|grey|gray|white|black|silver|red|blue|green|gold|tan|maroon|beige|brown|"
    r"burgundy|old|new|stolen|rented|rental)[ \t]+)$"
)
# A word talked about as a word or a place: "X is the county", "X is a town, not a person", '"X" in that msg'.
_SAID_OF_A_WORD = re.compile(
    r"(?:['’]s)?[\"”]?[ \t]+(?:is|was)[ \t]+(?:also[ \t]+|just[ \t]+)?(?:the|a|an)[ \t]+(?:county|city|town|village|"
    r"state|street|road|avenue|country|province|district|neighbou?rhood|place|area|ethnic|tribe|language|dialect|"
    r"honorific|prefix|title|word)\b"
    r"|[ \t]+=[ \t]+the[ \t]+(?:airport|city|town|county|street|hospital|shelter|place|station)\b"
    r"|[\"”][ \t]+in[ \t]+(?:the|that|this)[ \t]+(?:ad|msg|message|narrative|report|text|post)\b[^.\n]{0,12}"
    r"(?:=|is)[ \t]+(?:the|a|an)[ \t]+(?:city|town|county|street|place)\b"
)
# A name said to be a thing's, with up to three words before the noun: "Ali Forney is a shelter, named after ...",
# "LaBeija is a known public ballroom house, not PII", "Jordan Downs is the housing development in Watts". The noun
# must end the clause or be followed by a preposition or "name" ("Maria is a shelter resident" is a person).
_SAID_A_THING = re.compile(
    r"(?:['’]s)?[\"”]?[ \t]+(?:is|was|=)[ \t]+(?:also[ \t]+|just[ \t]+)?(?:the|a|an)[ \t]+(?:[a-z-]+[ \t]+){0,3}?"
    r"(?:shelter|business|company|restaurant|hotel|motel|mall|store|shop|church|park|building|complex|development|"
    r"app|website|program|programme|organi[sz]ation|org|nonprofit|non-profit|charity|agency|hospital|clinic|book|"
    r"song|band|ship|house|school|base|airport|courthouse|mosque|temple|brand|chain|franchise|project)"
    r"(?=[ \t]*(?:[,.;:!?)\n—–]|$|[ \t]-[ \t]|[ \t]+(?:in|on|at|of|for|name|not|and|named|that|which|here|there)\b))"
)
# Words of forms, procedure and roles that the model and the cue rules take for names: "I-914 Supp B", "victim
# comp", "client ID", "bona fide", "Victim-witness needs ...", "city atty says".
_NEVER_NAMES = frozenset(
    """
    supp appendix vacatur bona fide fides prima facie comp interp interps atty counsellor counselor specialist landlord
    id ids t-visa t-visas u-visa u-visas victim-witness mou mous addendum exhibit attachment clerk landlord paralegal
    dispatcher bailiff interpreter translator supervisor yikes oops welp whoa ugh yay
    rd hwy blvd ave pkwy dept ministries garda gardai gendarmerie carabinieri policia polizei interpol europol
    """.split()
)
# Function words and kinship terms of other languages that the name lexicon holds as names: written in lower case
# inside a sentence they are words ("anh gọi về", "tenho uma cliente", "yung passport nya").
_FOREIGN_FUNCTION_WORDS = frozenset(
    """
    trinh trình noi nói thu thử uma um espanol español sean
    kang kung yung ang mga nya presa prima valle
    """.split()
)
# Lower-case words after a place used as an attribute: "the Lawrence hotline", "the Mueller office".
_LOWER_PLACE_HEADS = frozenset(
    """
    hotline office offices rec court courthouse jail salon salons spa spas farm farms plant plants ranch ranches airport
    area corridor region district campus schools shelters clinics pd sheriff police
    """.split()
)
# A first name and the word after it that make an everyday phrase, not a person.
_FIXED_PHRASES = frozenset(
    tuple(pair.split("+"))
    for pair in """
    amber+alert amber+alerts frank+discussion frank+conversation frank+talk will+do will+call will+send will+check
    will+update will+follow chase+bank chase+account chase+card grace+period bill+the bill+it bill+to mark+as
    mark+it sue+for pat+down sally+port rose+garden faith+based
    """.split()
)


# Endings that make a demonym of a place's name: "Syria-n", "Iraq-i", "Senegal-ese", "Cameroon-ian", "Bali-nese",
# "Afghan-istan" (the place is looked up in the GeoNames gazetteer, so no demonym list is kept).
_DEMONYM_ENDINGS = (("nese", ""), ("lese", ""), ("ese", ""), ("ian", ""), ("ean", ""), ("an", ""), ("n", ""),
                    ("i", ""), ("ish", ""), ("", "istan"), ("ian", "ia"), ("ean", "ea"), ("an", "a"))  # fmt: skip
# Labels of a contact field in the languages of the corpora, read as a name when they open a line: "Tel. (305) ...",
# "Courriel : x@y.fr", "Mob 07451 ...".
_CONTACT_LABELS = frozenset(
    "tel tél telf tfno teléfono telefono telefone telephone téléphone fone celular cel cell mob mobile portable "
    "courriel correo email e-mail fax whatsapp zap".split()
)
# Organisations' and services' words after a name-like word, in the sense of a business or a body ("Candy Nails",
# "Sally Army", "Migrant Help", "Valley Interfaith", "Salvador Consulate", "Wolverhampton Magistrates"); not in
# _ORG_HEADS because a few are surnames in their singular form.
_SERVICE_HEADS = frozenset(
    "nails army help interfaith consulate embassy magistrates magistrates' tribunal council metro".split()
)


# A make of car, read as a name before its model or after its colour: "Ford Transit", "white Mercedes Sprinter",
# "black Lexus" ("Mercedes" and "Ford" are also names: alone, with no colour or model, they stay names).
_MAKES = frozenset(
    "mercedes mercedes-benz benz lexus bmw audi toyota honda nissan ford chevy chevrolet dodge jeep kia hyundai gmc "
    "subaru volkswagen vw chrysler buick cadillac infiniti mazda volvo peugeot renault fiat skoda opel vauxhall "
    "citroen tesla".split()
)
_COLOUR_BEFORE = re.compile(
    r"\b(?:white|black|silver|grey|gray|red|blue|green|gold|dark|tan|maroon|beige|brown|burgundy)[ \t]+$"
)


# A business or a meeting place and the street it is on: "the Hilton on Cesar Chavez", "a massage place off
# Bellaire", "the salon on Brookhurst", "the church on Grand River". Where a person stays or lives is an address
# (checked by _STAY_WORDS in the clause); where a shop is, is not.
_VENUE_ON = re.compile(
    r"(?i:\b(?:hotel|motel|inn|hilton|marriott|stay|suites|salon|spa|massage[ \t]+(?:place|parlou?r|shop)|place|shop|"
    r"store|church|bar|club|cantina|restaurant|taqueria|station|wawa|mall|plaza|office|clinic|hospital|"
    r"courthouse|building|warehouse|strip|track|blade|businesses)[ \t]+(?:on|off)[ \t]+)$"
)
_ON_STREET = re.compile(r"(?i:\b(?:somewhere|it'?s|is|was|located)[ \t]+(?:on|off)[ \t]+)$")
_STAY_WORDS = re.compile(
    r"\b(?:stay|stays|stayed|staying|live|lives|lived|living|sleep|sleeps|slept|sleeping|kept|held|home|"
    r"house|apartment|apt|room|rm|unit|lot)\b"  # lower case: "Extended Stay" is a hotel
)


def _opener_word(text: str, start: int, word: str, key: str) -> bool:
    """An inflected everyday word or a compound of everyday words opening a message or sentence, that no lexicon
    knows as a name ("Dispatched, 2 units", "Schools", "Trauma-informed pls"). Plain words are left to the other
    rules: the lexicon leaves out names that are words ("Precious", "Sunny"), so they cannot be told apart here."""
    if not _SENTENCE_OPENER.search(text, max(0, start - 4), start):
        return False
    if key in _LEXICON_NAMES() or key in last_names() or text.startswith(("'s", "’s"), start + len(word)):
        return False
    parts = key.split("-")
    if len(parts) > 1:
        return all(part in everyday_words() for part in parts)  # "Pat-down", "Trauma-informed"
    everyday = everyday_words()
    return (key.endswith(_NOUN_SUFFIXES) and key not in everyday and _everyday(key, ())) or (
        key.endswith("s") and key[:-1] in everyday
    )  # "Dispatched", "Schools": an inflected everyday word


_SENTENCE_OPENER = re.compile(r"(?:^|[.!?\n]|^>)[ \t]*$")


@lru_cache(maxsize=1)
def _LEXICON_NAMES() -> frozenset[str]:
    return first_names() | AMBIGUOUS_FIRST_NAMES


@lru_cache(maxsize=1)
def _lexicon_or_last_names() -> frozenset[str]:
    """``_LEXICON_NAMES() | last_names()``, built once (building the union per finding took 3 ms each)."""
    return _LEXICON_NAMES() | last_names()


@lru_cache(maxsize=1)
def _all_names() -> frozenset[str]:
    return first_names() | last_names()


_MODEL_SOURCES = frozenset({"ner", "tagger", "name_lexicon", "name_context", "repeat"})
# Lower-case words inside a name: "Maria de la Cruz", "Ludwig van der Berg", "nguyen v. hieu", "Abdullah bin Omar".
_NAME_PARTICLES = frozenset(
    "de del della der den di da das do dos du la las le les los van von y e al el bin binti ibn bint ter ten zu st si ni sa kay v. v et".split()
) | frozenset(
    "uulu kyzy ogly oglu qizi уулу кызы оглы улы кизи kizi kızı qyzy oğlu ogli o'g'li oʻgʻli o‘g‘li o’g’li uly".split()
) | frozenset("viuda vda vda.".split())  # Turkic patronymics: "Бакыт Асанбек уулу"; "viuda de Vásquez"
_PLACE_PREFIXES = frozenset(
    "Upper Lower Northern Southern Eastern Western Greater North South East West".split()
)
# A form's name label in capitals right before a word ("LAST NDIAYE FIRST FATOU"): the word is that name.
_NAME_FIELD_BEFORE = re.compile(r"\b(?:FIRST|GIVEN|LAST|SURNAME|FAMILY)(?:[ \t]+NAMES?)?[ \t]*[:=]?[ \t]+$")
_PLACE_PREFIX_BEFORE = re.compile(r"\b(?:Upper|Lower|Northern|Southern|Eastern|Western|Greater)[ \t]+$")
_KINSHIP = frozenset("chi anh em chu co bac ong ba".split())
_LANGUAGE_PREFIXES = frozenset("sgaw pwo".split())
_LANGUAGES = frozenset("rakhine pwo sgaw bangladeshi lankan levantine".split())
_STATE_CODE = re.compile(rf"(?:{US_STATE_CODES})")
# Words after a run of places that say the run is a list of places or offices: "Chandler, Gilbert and Mesa PDs",
# "Warren and Marion counties", "Everett and Kent both".
_PLACE_LIST_AFTER = re.compile(
    r"[ \t]+(?:PDs|SOs|DAs|counties|Counties|cities|towns|parishes|sheriffs|shelters|offices|hotlines)\b"
)
# Joins inside a list: "A, B", "A and B", "A + B", "A / B", "A–B" (a spaced dash introduces a name: "Waianae — Tavita").
_LIST_JOIN = r"(?P<j>[ \t]*(?:,|/|\+|&)[ \t]*|[–—]|[ \t]+(?:and|y|&)[ \t]+|[ \t]*,[ \t]*and[ \t]+)"
_LIST_ENDINGS = (",", "/", "+", "&", "–", "—", "and", "y")
# A region word after a place's name: "Kherson oblast, Zaporizhzhia", "Helmand province and Kandahar".
_REGION_WORDS = "oblast|province|provincia|region|governorate|prefecture|raion|rayon|krai|voivodeship"
_REGION_WORD_SET = frozenset(_REGION_WORDS.split("|"))
_NEIGHBOUR_BEFORE = re.compile(
    rf"(?P<w>(?:[A-Z][\w.'’-]*[ \t]+){{0,2}}[A-Z][\w.'’-]*(?:[ \t]+(?:{_REGION_WORDS}))?){_LIST_JOIN}$"
)
_NEIGHBOUR_AFTER = re.compile(rf"{_LIST_JOIN}(?P<w>[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){{0,2}})")
# Speaking a language: "Karen-speaking", "Sgaw Karen", "(Karen) interpreter".
_LANGUAGE_AFTER = re.compile(
    r"(?i:-speaking|[ \t]+(?:speaking|speakers?|interpreters?|interp|dialect|language))\b"
)
_LANGUAGE_BEFORE = re.compile(r"(?i:\b(?:sgaw|s'gaw|pwo|western|eastern|levantine|gulf|egyptian)[ \t]+)$")

_CASE_CUE = re.compile(
    r"(?i:\b(?:case|cases|ref|reference|report|docket|file|ticket|complaint|incident|claim|receipt|invoice|order|"
    r"confirmation|tracking|mtcn|dot|usdot|naptip|ncmec|budget\s+line|line\s+item|item|exhibit|"
    r"aktenzeichen|inmate|booking|statute|code|form|section|sec\.|reg|registration|intake|referral|log)\b\.?|§{1,2}"
    r"|\b(?-i:ORS|ORC|RCW|HRS|C\.R\.S\.|PC|OCGA|MCL|ILCS|AS|RSA|AZ)\b)[ \t]*(?:(?i:no\.?|number|num\.?|#)[ \t]*)?[:#]?[ \t]*$"
    # "intake # for her is 2024-...", "MTCN was 88...": a record number's cue, then "is"/"was" ("the referral is
    # 936-..." is a phone: only after "#"/"no." or a transfer's or a parcel's number)
    r"|(?i:\b(?:(?:case|intake|referral|file|report|ticket|incident|booking|inmate)[ \t]*(?:#|no\.?)[ \t]*"
    r"(?:for[ \t]+(?:her|him|them)[ \t]+)?|mtcn[ \t]+|confirmation[ \t]+|tracking[ \t]+)(?:is|was|=)[ \t]*:?[ \t]*$)"
)
_TIME_RANGE = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d[ \t]*[-–—][ \t]*(?:[01]\d|2[0-4])[0-5]\d")
_TOLL_FREE = re.compile(r"(?:\+?1[ \t.-]*)?\(?8(?:00|33|44|55|66|77|88)\)?[ \t.-]*\d{3}[ \t.-]*\d{4}")
_TIME_WORD = re.compile(
    r"(?i:\d{1,2}(?::\d\d)?[ \t]*(?:am|pm|a\.m\.|p\.m\.)|\d{1,4}[-–]?day|[A-Z]-\d{1,5}|[A-Z]{1,3}-\d{1,4})"
)


def _everyday(word: str, suffixes: tuple[str, ...] = COMMON_SUFFIXES) -> bool:
    """An everyday word, an inflection of one or a word with an everyday suffix ("relocated", "subpoenas",
    "sextortion")."""
    everyday = everyday_words()
    if word in everyday or word.endswith(suffixes):
        return True
    return any(
        word.removesuffix(end) in everyday for end in ("s", "es", "ed", "d", "ing") if word.endswith(end)
    )


_CAPS_REACH = 160  # within _REACH
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()


def _caps_context(text: str, start: int, end: int) -> bool:
    """Whether the line around the span is written in capitals (a notice: "ALL UNITS: OP STARTS 1900 ..."); only
    up to 160 characters either side are looked at, so the cost per finding is bounded on a huge one-line message."""
    if any(ch.islower() for ch in text[start:end]):
        return False  # a span with a lower-case letter is not in a line of capitals
    window_start = max(0, start - _CAPS_REACH)
    line_start = text.rfind("\n", window_start, start) + 1 or window_start
    line_end = text.find("\n", end, end + _CAPS_REACH)
    line = text[line_start : line_end if line_end >= 0 else min(len(text), end + _CAPS_REACH)]
    if line.isascii():  # the same counts at C speed (a character loop here was most of a name-dense message's cost)
        data = line.encode("ascii")
        letters_count = len(data) - len(data.translate(None, _ASCII_LETTERS))
        if letters_count < 12:
            return False
        return len(data) - len(data.translate(None, _ASCII_UPPER)) >= 0.8 * letters_count
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) < 12:
        return False
    return sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


# State codes that are also name particles or surnames ("Maria DE LEON", "Wei MA", "AL Hassan") do not count.
# A police department's acronym: a city's or county's letters and PD ("LVMPD", "NYPD", "SAPD", "MCPD").
_POLICE_ACRONYM = re.compile(r"[A-Z]{1,4}PD")
_PARTICLE_CODES = frozenset("DE LA AL IN OR ME HI OK ID MA PA MO".split())


def _is_org_acronym(word: str) -> bool:
    if not (word.isupper() and 2 <= len(word) <= 5):
        return False
    return word.casefold() in _ORG_ACRONYMS or (
        _STATE_CODE.fullmatch(word) is not None and word not in _PARTICLE_CODES
    )


def _acronym_and_place(words: list[str], folded: list[str]) -> bool:
    """Two words, an acronym that is no name (2-6 capitals) and a place: "UNHCR Türkiye", "Monterrey CJM"."""
    for acronym, place in ((0, 1), (1, 0)):
        word = words[acronym]
        if not (word.isupper() and 2 <= len(word) <= 6) or folded[acronym] in _all_names():
            continue
        key = folded[place]
        if (key in places() or key in towns()) and key not in AMBIGUOUS_FIRST_NAMES:
            return True
    return False


def _neighbour_is_place(word: str) -> bool:
    words = word.split()
    if len(words) >= 2 and words[-1] in _REGION_WORD_SET:
        return True  # "Kherson oblast": a region
    folded = " ".join(fold_accents(w.strip(".")) for w in words)
    if folded in places() and folded not in AMBIGUOUS_FIRST_NAMES:
        return True
    return len(words) >= 2 and (words[-1].casefold() in _ORG_HEADS or _is_org_acronym(words[-1]))


_STRONG_CUE_END = re.compile(
    r"(?i:\b(?:aka|a\.k\.a\.?|a/k/a|goes\s+by|go\s+by|went\s+by|known\s+as|named|alias|nicknamed|"
    r"name\s+is|call\s+(?:him|her|them)|calls?\s+(?:him|her|them)self)\s*[:\-]?\s*[\"'“‘]?)$"
)


def _cued(text: str, start: int) -> bool:
    """A strong name cue or an opening quote right before the span: "AKA SMOKE", "goes by SLIM", '"AUNTIE BEE"'."""
    before = text[max(0, start - 30) : start]
    return before.rstrip()[-1:] in ('"', "“", "'", "‘") or _STRONG_CUE_END.search(before) is not None


def _street_of_a_venue(text: str, start: int, end: int) -> bool:
    """A street named after a business or a place ("the salon on Brookhurst", "it's somewhere on Bolsa"), in a
    clause that does not say anybody stays there."""
    if not (_VENUE_ON.search(text, max(0, start - 40), start) or _ON_STREET.search(text, max(0, start - 20), start)):
        return False
    if text.startswith(("'s", "’s"), end):
        return False
    clause = _clause(text, start, end, 100)
    return _STAY_WORDS.search(clause) is None


def _place_then_region(words: list[str], folded: list[str]) -> bool:
    """A town in the gazetteer followed by a state, province or country of the hand-listed places (the long GeoNames
    list holds towns that are surnames: "Harlan Bledsoe"), the region no name: "Mercedes Argentina", "Alvarado
    Veracruz"."""
    gazetteer = places()
    regions = listed_places()
    names = _lexicon_or_last_names()
    for cut in range(1, len(words)):
        town, region = " ".join(folded[:cut]), " ".join(folded[cut:])
        if town in gazetteer and region in regions and region not in names and not any(
            w in names and w not in gazetteer for w in folded[:cut]
        ):
            return True
    return False


def _demonym(word: str) -> bool:
    """A people's or a place's adjective made from a place in the gazetteer ("Syrian", "Iraqi", "Senegalese",
    "Sudanese", "Afghan"), or one of the listed nationalities and languages; never a word the name lexicon holds."""
    key = fold_accents(word)
    if key in NATIONALITIES:
        return True
    if len(key) < 5 or not word.isascii() or key in _LEXICON_NAMES() or key in last_names():
        return False  # (an English demonym has no accent: "Guamán" is a surname, not "Guam-an")
    if key.endswith("s") and key[:-1] in NATIONALITIES:
        return True  # a people in the plural: "parole for Afghans", "Somalis"
    if key.endswith("s") and _demonym(word[:-1]):
        return True  # "Ukrainians", "Syrians", "Hondurans"
    gazetteer = places()
    for ending, restore in _DEMONYM_ENDINGS:
        if key.endswith(ending):
            stem = key[: len(key) - len(ending)] + restore
            if len(stem) >= 4 and stem in gazetteer and stem not in _LEXICON_NAMES():
                return True
    return False


# Compiled once (``re.search`` with a pattern string looks its compiled form up on every call).
_SPEAKING_END = re.compile(r"(?i:-speaking)$")
_FOLLOWING_WORD = re.compile(r"[ \t]+([^\W\d_]+)")
_ACRONYM_BEFORE = re.compile(r"\b([A-Z]{2,5})[ \t]+$")
_CAPITAL_AFTER = re.compile(r"(?:['’]s)?[ \t]+([A-Z][a-z]+|[A-Z]+)\b")
_CAPITALISED_BEFORE = re.compile(r"\b([A-Z][a-z]+)[ \t]+$")
_THE_BEFORE = re.compile(r"\b[Tt]he[ \t]+$")
_WORD_AFTER = re.compile(r"(?:['’]s)?[ \t]+(?P<w>[^\W\d_]+)(?![\w-])")


def _named_thing(text: str, start: int, end: int, words: list[str], folded: list[str]) -> bool:
    """Things named after people or named like them, told by the words around the span when no title, kinship
    word or age says it is a person: a park, lake or day after a run of two names ("Tom Lee Park", "Lady Bird
    Lake", "Martin Luther King Jr. Day"), an organisation "X Against Y" ("Truckers Against Trafficking"), a car
    model after a determiner or a colour ("the Sienna was last seen", "a silver Tacoma") and a place used as a
    kind ("an Alberta one", "the Ohio ones"). The heads that end an organisation's name in any case ("Kingman
    Regional", "Extended Stay", "Sam Houston Tollway") are in ``_ORG_HEADS``."""
    if person_evidence(text, start, end):
        return False
    prior = _CAPITALISED_RUN_BEFORE.search(text, max(0, start - 30), start)
    # the capitalised run's words, split at spaces ("Sung-min Park" is two) and with those before ("Lady [Bird Lake]")
    run = len(text[start:end].split()) + (len(prior.group(0).split()) if prior is not None else 0)
    if run >= 3 and folded[-1] in _LONG_RUN_HEADS and words[-1][:1].isupper():
        return True
    if run >= 2:
        after = _WORD_AFTER.match(_GENERATION_AFTER.sub("", text[end : end + 26], count=1).removeprefix("."))
        head = after.group("w") if after is not None else ""
        if head[:1].isupper() and head.casefold() in _LONG_RUN_HEADS:
            return True
    if _AGAINST_BEFORE.search(text, max(0, start - 30), start):
        return True
    if len(words) == 1:
        before = text[max(0, start - 12) : start]
        if folded[0] in _VEHICLE_MODELS and _VEHICLE_DETERMINER_BEFORE.search(before):
            return True
        kind = re.search(r"(?i:\b(a|an|the|that|this)[ \t]+)$", before)
        if (
            kind is not None
            and re.match(r"[ \t]+ones?\b", text[end : end + 6])
            and (kind.group(1).casefold() in ("a", "an") or folded[0] in places())
        ):
            return True  # "an Alberta one", "the Texas ones" (but "the Maria one" may be her case)
    return False


def _person_false(text: str, start: int, end: int, source: str) -> bool:
    span = text[start:end]
    words = _WORD.findall(span)
    if not words:
        return False
    if any(_CONTRACTION.fullmatch(w) for w in words):
        return True  # "client doesn't", "Sat, I've"
    if _placeholder(text, start, end, [fold_accents(w) for w in words]):
        return True  # "Jane Doe 2", "registered as \"Jane Doe 14\"": a pseudonym in a filing or chart, not a name
    if source != "deny_list" and len(words) <= 3 and _said_not_a_person(text, start, end):
        return True  # "Marion is the county, not a person", "no suspect named Irving": the chat says so
    if _SPEAKING_END.search(span):
        return True  # "Karen-speaking minor": a language
    if len(words) == 1 and (_CALL_SIGN_AFTER.match(text, end) or _CALL_SIGN_BEFORE.search(text, max(0, start - 4), start)):
        return True  # "Adam-12", "3-Adam-22": a radio call sign's phonetic letter, not a person
    if "\t" in span and all(_everyday(fold_accents(w)) for w in words):
        return True  # "Client<TAB>Age<TAB>Country": a table's heading row, not a name
    if (
        source == "name_cue"
        and span[:1].islower()
        and re.search(
            r"(?i:\b(?:that|this|the|which|whose|display|middle|first|last)[ \t]+(?:[\w-]+[ \t]+)?(?:nick)?name[ \t]+"
            r"(?:is|was)[ \t]+)$",
            text[max(0, start - 40) : start],
        )
        and not re.search(r"(?i:\b(?:her|his|their|its|real|street)[ \t]+(?:nick)?name[ \t]+(?:is|was)[ \t]+)$",
                          text[max(0, start - 30) : start])
    ):
        return True  # "that nickname is apparently super common", "display name is different": talk about a name
    cued = source in ("name_cue", "deny_list", "name_script", "name_quoted")
    if source != "deny_list" and _COMPANY_AFTER.match(text, end):
        return True  # '"Baranov Freight" LLC', "Kessler Haulage, Inc.": a company, even when quoted
    if (
        source == "name_cue"
        and len(words) >= 2
        and words[-1][:1].isupper()
        and fold_accents(words[-1]) in _ORG_HEADS | _BODY_HEADS
    ):
        return True  # "Sister Rose Center", "Survivor Advisory Council": a cue word opening an organisation's name
    if source == "deny_list":
        return False
    if len(words) <= 2 and (
        _PET_BEFORE.search(text, max(0, start - 30), start) or _PET_AFTER.match(text, end)
    ):
        return True  # "our dog Pepper", "a kitten named Tommy", "Pepper, our dog": a pet
    if _cued(text, start):
        quoted_head = _WORD_AFTER.match(text[end : end + 30])
        return (
            source not in ("name_cue", "name_script")
            and quoted_head is not None
            and quoted_head.group("w")[:1].isupper()
            and quoted_head.group("w").casefold() in _ORG_HEADS | _SERVICE_HEADS
        )  # '"Kandi's Spa"', '"Lucky Nails"': a quoted business's name (but "aka Ruby Nails" stays)
    folded = [fold_accents(w) for w in words]
    if any(fold_accents(t.strip(".,;:!?")) in _NEVER_NAMES for t in span.split()):
        return True  # "T-visa", "U-visas": a form, not a name
    if any(w in _NEVER_NAMES for w in folded) or (
        span.islower() and any(w in _FOREIGN_FUNCTION_WORDS for w in folded)
    ):
        return True  # "Supp B", "victim comp", "client ID", "bona fide"; "anh", "uma" in a Vietnamese or Portuguese line
    if _caps_context(text, start, end):
        names = _all_names()
        if all(_everyday(w) for w in folded) and any(w not in names for w in folded):
            return True  # "AMBER ALERT CANCELLED", "VICTIM DATA ANYMORE", "FEMALE ONLY"
        if (
            len(words) == 1
            and words[0].isupper()
            and folded[0] not in names
            and len(words[0]) <= 5
            and not _NAME_FIELD_BEFORE.search(text, max(0, start - 16), start)
        ):
            return True  # "SIENA request", "LARA (state licensing)": an acronym, not a name (but "FIRST FATOU")
    if cued:
        return False
    if folded[0] in _MAKES and (
        _COLOUR_BEFORE.search(text, max(0, start - 12), start)
        or (len(words) >= 2 and not any(w in _all_names() for w in folded[1:]))
    ):
        return True  # "white Mercedes Sprinter", "Ford Transit", "black Lexus": a car
    if source in _MODEL_SOURCES and _street_of_a_venue(text, start, end) and not person_evidence(text, start, end):
        return True  # "the salon on Brookhurst said", "somewhere on Bolsa", "the Hilton on Cesar Chavez"
    if all(_demonym(w) for w in words) and not text.startswith(("'s", "’s"), end):
        return True  # "Senegalese passport", "Syrian lad", "Congolese variety": a people, not a person
    if (
        len(words) == 1
        and folded[0] in _CONTACT_LABELS
        and re.match(r"[ \t]*[.:]?[ \t]*(?:[+(\d]|[\w.-]+@)", text[end : end + 40])
    ):
        return True  # "Tel. (305) 555-0187", "Courriel : ndeye@...": a contact field's label
    if (
        source == "name_joined"
        and len(words) == 1
        and words[0].isupper()
        and len(words[0]) <= 5
        and folded[0] not in _all_names()
        and not _caps_context(text, start, end)
    ):
        return True  # "Keyla Mejía, DNI 0801...", "Dil Kumari, CWS too": an ID or an office, not a second name
    if len(words) == 1 and words[0].isupper() and folded[0] in _ORG_ACRONYMS:
        return True  # "King County PAO", "AMBER": an office, not "Pao"
    if len(words) == 1 and _POLICE_ACRONYM.fullmatch(words[0]):
        return True  # "LVMPD's turf", "NYPD", "SAPD": a police department (a city's letters and PD)
    if (
        len(words) == 1
        and span.isupper()
        and len(words[0]) >= 4
        and folded[0] not in _all_names()
        and folded[0] not in AMBIGUOUS_FIRST_NAMES
        and not _caps_context(text, start, end)
        and re.match(r"[ \t]+[a-z]", text[end : end + 3])
        and not re.search(r"[:=][ \t]*$", text[max(0, start - 3) : start])
        and words[0].capitalize() not in text  # "Mohd Imran ... spelled M O H D": a name spelled out
    ):
        return True  # "RENAP docs", "LGBTQ youth", "NAPTIP zonal office": an acronym before lower-case words
    if all(w in _WEEKDAY_WORDS for w in folded) or (len(words) > 1 and folded[-1] in _WEEKDAY_WORDS):
        return True  # "Tues", "Weds", "Riverside Tues"
    following = _FOLLOWING_WORD.match(text[end : end + 24])
    if (
        len(words) == 1
        and following is not None
        and (folded[0], following.group(1).casefold()) in _FIXED_PHRASES
    ):
        return True  # "Amber alert", "Frank discussion", "Will do", "Chase bank"
    if (
        len(words) == 1
        and folded[0] in _VERB_NAMES
        and words[0][:1].isupper()
        and _SENTENCE_OPENER.search(text, max(0, start - 4), start)
        and _VERB_READING_AFTER.match(text, end)
    ):
        return True  # "Will do", "May be late", "Mark it closed", "Hope so", "Sue the landlord?": a verb or modal
    if (
        len(words) == 1
        and words[0][:1].isupper()
        and (folded[0] in _POSSESSED_HEADS or folded[0] in _ORG_HEADS)
        and _POSSESSIVE_NAME_BEFORE.search(text, max(0, start - 30), start)
    ):
        return True  # "Kari's Law", "Rosa's Place": the head of a thing named after a person
    if (
        words[-1][:1].isupper()
        and folded[-1] in _NAMED_BEFORE_HEADS
        and (len(words) > 1 or _CAPITALISED_WORD_BEFORE.search(text, max(0, start - 30), start))
    ):
        return True  # "Hopi Tribe", "Rosebud Sioux Tribe", "Muscogee Lighthorse": a nation or its police
    if (
        len(words) == 1
        and _INSTITUTION_POSSESSED.match(text, end)
        and folded[0] not in _lexicon_or_last_names()
        and folded[0] not in extra_first_names()
        and not person_evidence(text, start, end)
    ):
        return True  # "Monzo's financial crime team", "Bedfordshire's list", "the Gov's office": a body's
    if len(words) == 1 and _opener_word(text, start, words[0], folded[0]):
        return True  # "Clerk confirmed", "Yikes.", "Pat-down policy ...", "Dispatched, 2 units"
    if source in _MODEL_SOURCES and not span.isupper() and not _foreign_word_set().isdisjoint(folded):
        # (only a span holding a word some language's list has can be a foreign sentence's word: the line, up to
        # 400 characters, is read only then -- reading it for every name made name-dense text cost 60 ms/KB)
        stop = _line_language(text, start, end)
        if stop is not None and any(w in stop for w in folded):
            return True  # "Mwen", "pè pou", "Merci", "Buenas", "Ja", "Заседание в": a foreign sentence's words
    if (
        source in _MODEL_SOURCES
        and len(words) == 2
        and span.split()[0] in ("de", "du", "des", "da", "do", "di")
        and folded[1] not in _all_names()
        and re.search(r"\b[a-zà-ÿ]+[ \t]+$", text[max(0, start - 20) : start])
    ):
        return True  # "l'équipe de Montréal", "el consulado de México", "la pulga de Alvin": a preposition
    if (
        source in _MODEL_SOURCES
        and len(words) > 2
        and folded[0] in ("la", "le", "el", "les", "los", "las", "il", "der", "die", "das")
        and any(w.islower() and w not in _NAME_PARTICLES and fold_accents(w) not in _all_names() for w in words[1:])
    ):
        return True  # "la oficina de DCFS": an article and a noun
    if source in _MODEL_SOURCES and len(words) > 1 and span[:1].isupper():
        tokens = span.split()
        if any(
            w.islower()
            and w not in _NAME_PARTICLES
            and not (w in PARTICLES and index + 1 < len(tokens) and tokens[index + 1][:1].isupper())
            for index, w in enumerate(tokens)
        ):  # (a completed name's particle before a capital is no such word: "Maria Cristina dela Cruz")
            return True  # "Buenas tardes", "La muchacha", "Tengo la versión", "Zürich postcodes"
    if words[0] in _PLACE_PREFIXES or _PLACE_PREFIX_BEFORE.search(text, max(0, start - 12), start):
        return True  # "Upper Darby", "Northern Cheyenne", "North Platte"
    if words[0] in ("St", "Saint", "Ste", "Fort", "Ft", "Mount", "Mt", "Casa", "Camp", "Lake"):
        return True  # the span itself: "St. Joseph CAC", "Casa Marianella"
    if _PLACE_BEFORE.search(text, max(0, start - 24), start):
        return True  # "St. Jude's", "Casa de Esperanza"
    if (span.split()[0] in _SAINT_PARTICLES and _SAINT_BEFORE.search(text, max(0, start - 24), start)) or (
        len(words) == 1 and _SAINT_PARTICLE_BEFORE.search(text, max(0, start - 28), start)
    ):
        return True  # "St. Vincent [de Paul]", "St. Francis [of Assisi]": a saint's name, a church or a charity
    if (
        len(words) >= 2
        and _is_org_acronym(words[-1])
        and not words[0].isupper()
        and (len(words) == 2 or len(words[-1]) == 2)
    ):
        return True  # "Austin RAC", "Athens TX", "Chester ED", "San Marcos TX"
    if len(words) >= 2 and not span.isupper() and _place_then_region(words, folded):
        return True  # "Mercedes Argentina", "Alvarado Veracruz", "San Marcos Guatemala": a town and its region
    if len(words) > 1 and _is_org_acronym(words[0]) and not words[-1].isupper():
        return True  # "FCI Butner", "CT DCF"
    if len(words) > 2 and not span.isupper() and any(_is_org_acronym(w) for w in words[1:-1]):
        return True  # "Aurora PD + CDLE"
    if len(words) == 2 and not span.isupper() and _acronym_and_place(words, folded):
        return True  # "UNHCR Türkiye", "Monterrey CJM", "NCB Washington": an office of a place
    if len(words) >= 2 and folded[-1] in countries() and not person_evidence(text, start, end):
        return True  # "Nova Ukraine", "Radio Free Asia": named after a country, not a person's surname
    agency = _ACRONYM_BEFORE.search(text[max(0, start - 8) : start])
    if (
        agency is not None
        and len(words) == 1
        and agency.group(1).casefold() in _ORG_ACRONYMS
        and not span.isupper()
    ):
        return True  # "HSI Honolulu says", "NCMEC Kent"
    if (
        len(words) == 1
        and folded[0] in _KINSHIP
        and re.match(r"[ \t]+[^\W\d_]", text[end:])
        and text[end:].lstrip()[:1].islower()
    ):
        return True  # "Chị ơi", "Chị ấy": a Vietnamese kinship word used as a pronoun
    if any(w.casefold() in _ORG_HEADS and w[:1].isupper() for w in words[1:]):
        return True  # "Trevor Project", "Salinas Valley", "Hays Medical"
    service = _CAPITAL_AFTER.match(text[end : end + 24])
    if any(w.casefold() in _SERVICE_HEADS and w[:1].isupper() for w in words[1:]) or (
        service is not None and service.group(1).casefold() in _SERVICE_HEADS
    ):
        return True  # "Candy Nails", "Sally Army", "Migrant Help", "EL SALVADOR CONSULATE": a business or a body
    if len(words) > 1 and folded[0] in _ORG_OPENERS | _EVENT_OPENERS and words[0][:1].isupper():
        return True  # "Memorial Hermann", "Parish Hall", "Rodeo Houston"
    opener = _CAPITALISED_BEFORE.search(text[max(0, start - 14) : start])
    if opener is not None and opener.group(1).casefold() in _ORG_OPENERS - {"general", "united", "county"}:
        return True  # "Memorial [Hermann]", "University [Hospital]"
    if len(words) > 1 and words[-1].isupper() and folded[-1] in _ORG_ACRONYMS and not span.isupper():
        return True  # "Ben Taub ER", "Dell Seton ED": a hospital's department
    if len(words) > 1 and not span.isupper() and (words[-1] == "TC" or re.match(r"[ \t]+TC\b(?![ \t]+[Kk]imlik)", text[end : end + 12])):
        return True  # "Rosa Parks TC": a transit centre named after a person ("Elif's TC Kimlik" is a Turkish ID)
    if _THE_BEFORE.search(text[max(0, start - 5) : start]) and _FACILITY_AFTER.match(text, end):
        return True  # "the Frederick Douglass building", "the Jesse Tree food pantry"
    if source in _MODEL_SOURCES and len(words) >= 2 and _NAMED_THING_AFTER.match(text, end):
        return True  # "Annie E. Casey grant application", "Earle Cabell federal building": named after a person
    if _ORG_AHEAD.match(text, end):
        return True  # "Ronald McDonald House", "Martin Luther King Jr. Blvd", "Harry Hines Blvd"
    if _named_thing(text, start, end, words, folded):
        return True  # "Tom Lee Park", "Truckers Against Trafficking", "the Sienna was last seen", "an Alberta one"
    if (_LAW_OR_DAY_AFTER.match(text, end) or (len(words) > 1 and folded[-1] in _LAW_HEADS)) and not person_evidence(
        text, start, end
    ):
        return True  # "Megan's Law", "Valentine's Day", "Adam Walsh Act", "Amber Alert": a law, alert or day
    if " ".join(folded) in _HOLIDAYS:
        return True  # "Tết", "Songkran", "Dashain": a holiday, not a person
    after = _WORD_AFTER.match(text[end : end + 30])
    if after is not None:
        head = after.group("w")
        if head[:1].isupper() and head.casefold() in _ORG_HEADS:
            return True  # "Mary's House", "Covenant House", "Rebecca's House"
        if head.isupper() and head.casefold() in _ORG_ACRONYMS and not span.isupper():
            return True  # "Kalamazoo DPS", "Unalaska DPS"
    if (
        after is not None
        and not span.isupper()
        and after.group("w") in _LOWER_PLACE_HEADS
        and text[end] == " "
    ):
        return True  # "the Lawrence hotline", "the Kona coffee farm", "the Mueller office"
    if folded[0] in _LANGUAGE_PREFIXES or any(w in _LANGUAGES for w in folded):
        return True  # "Sgaw Karen", "Rakhine", "Sri Lankan"
    if _LANGUAGE_AFTER.match(text, end) or _LANGUAGE_BEFORE.search(text, max(0, start - 12), start):
        return True  # "Karen-speaking minor", "Sgaw Karen"
    if " ".join(folded) in _PRODUCTS:
        return True  # "Gmail recovery only", "Verizon says", "Green Dot or Netspend?"
    if source == "name_nick" and len(words) > 1 and " ".join(folded[1:]) in places():
        return True  # "Little Saigon", "Little Haiti": a neighbourhood, not a nickname
    if (
        len(words) == 1
        and re.search(r"\b\d{1,3}[ \t]+$", text[max(0, start - 5) : start])
        and re.search(
            r"(?:^|[,;(][ \t]*)\d{1,3}[ \t]+([^\W\d_]+)", text[max(0, start - 40) : end + 40]
        )
        and any(
            fold_accents(m.group(1)) in NATIONALITIES
            for m in re.finditer(r"\b\d{1,3}[ \t]+([^\W\d_]+)", text[max(0, start - 40) : end + 40])
        )
    ):
        return True  # "2 Somali, 1 Karen, 1 Guatemalan": a count of a people or a language
    if source == "name_context" and len(words) == 1 and _tally_label(text, start, end):
        return True  # "24 Lewisham, 15 Southwark, 11 Greenwich": a tally's label, its count no age
    if source in _LONE_WORD_SOURCES and len(words) == 1 and _unsupported_everyday_word(text, start, end, span):
        return True  # "Verdict in 24-CR-...", "Gift cards preferred", "approved by Thorn": a word, not a name
    if _SAID_OF_A_WORD.match(text, end):
        return True  # "Monaghan is the county not a person", '"Elizabeth" in that msg = the city'
    if _SAID_A_THING.match(text, end) and not person_evidence(text, start, end):
        return True  # "Ali Forney is a shelter", "LaBeija is a known public ballroom house": a thing's name
    if source != "repeat" and _town_not_person(text, start, end, words, folded):
        return True  # "Travis has the one on Thursdays", "the Edison warrant"
    return len(words) == 1 and _in_place_list(text, start, end)


# The finders whose one-word PERSON spans need more than the word itself when it is an everyday word: NER and the
# tagger (the lexicon and the context rule never take an everyday word; the four are judged alike, see
# ``_ALIKE_PERSON_SOURCES``).
_LONE_WORD_SOURCES = frozenset({"ner", "tagger", "name_lexicon", "name_context"})
_NEXT_NAME = re.compile(r",?[ \t]+([A-Z][^\W\d_]+)")


# A sentence saying that a word in it is no person's name: "Marion is the county, not a person lol", "Doral, Hialeah,
# Medley are cities, not people", "it's a placeholder not a name", "not kids' names", "no suspect named Irving",
# "(the county, not a guy named Grant)", "pseudonym only as filed", "Singh and Kaur alone are NOT identifying".
_NOT_A_PERSON_SAID = re.compile(
    r"(?i:\bnot\s+(?:a\s+|any\s+)?(?:person|persons|people|names?)\b|\bnot\s+(?:a|any)\s+human\b"
    r"|\bnot\s+(?:a\s+|any\s+)?(?:guy|girl|kid|man|woman|person|one)\s+(?:named|called)\b"
    r"|\bnot\s+[^\W\d_]+['’]s?\s+names\b"
    r"|\bno\s*(?:one|body|suspect|victim|client|person|guy|girl|woman|man)(?:['’]s|\s+is|\s+was)?\s+(?:named|called)\b"
    r"|\bpseudonyms?\b|\bnot\s+identifying\b)"
)
_SENTENCE_END = re.compile(r"[.!?;\n]+(?:\s|$)")


def _said_not_a_person(text: str, start: int, end: int) -> bool:
    """The sentence around the span says a word in it is not a person (``_NOT_A_PERSON_SAID``)."""
    sentence_start = max(0, start - 160)
    # Every alternative of the pattern holds "no" or "(pseud)onym" and the sentence lies within 160 characters of
    # the span, so a window without them cannot match: most windows (a third pass) are settled by one ``lower``
    # and two substring tests instead of two regex scans (28 -> 10 us a call on name-dense text, issue 17). No other
    # character matches "n", "o", "e", "u", "d", "y" or "m" case-insensitively ("ſ" does "s", so "s" is left out).
    window = text[sentence_start : end + 160].lower()
    if "no" not in window and "eudonym" not in window:
        return False
    for match in _SENTENCE_END.finditer(text, sentence_start, start):
        sentence_start = match.end()
    sentence_end = _SENTENCE_END.search(text, end, end + 160)
    return _NOT_A_PERSON_SAID.search(text, sentence_start, sentence_end.start() if sentence_end else end + 160) is not None


_PLACEHOLDER_WORDS = frozenset("jane john baby doe does roe roes".split())
_PLACEHOLDER_AFTER = re.compile(r"[ \t]+(?:Doe|Roe|DOE|ROE)s?\b")


def _placeholder(text: str, start: int, end: int, folded: list[str]) -> bool:
    """The pseudonyms of filings and charts: "Jane Doe", "John Doe 3", "Baby Roe", "all 3 Jane Does" (the span may be
    the whole or only "Jane" before "Doe")."""
    if not all(w in _PLACEHOLDER_WORDS for w in folded):
        return False
    return any(w in ("doe", "does", "roe", "roes") for w in folded) or _PLACEHOLDER_AFTER.match(text, end) is not None


def _plain_word(word: str) -> bool:
    """``tagger.ordinary_word`` with stricter inflections: "-es" only after a sibilant ("Boxes", not "Funes" from
    "fun"), so a surname ending in a word and a few letters is not taken for the word."""
    if not ordinary_word(word):
        return False
    key = word.casefold()
    everyday = everyday_words()
    if key in everyday or (key.endswith("s") and key[:-1] in everyday):
        return True
    if key.endswith("es") and key[:-2].endswith(("s", "x", "z", "ch", "sh")) and key[:-2] in everyday:
        return True
    if key.endswith("ing"):
        return any(stem in everyday for stem in (key[:-3], key[:-3] + "e", key[:-4]) if len(stem) >= 3)
    if key.endswith("ed"):
        return any(stem in everyday for stem in (key[:-2], key[:-1]) if len(stem) >= 3)
    return False


def _unsupported_everyday_word(text: str, start: int, end: int, span: str) -> bool:
    """A single everyday English word (``tagger.ordinary_word``: no name list holds it) that NER or the tagger called
    a person with nothing around it that says so: no title or role before it, no person's verb, kin noun or age
    after it, no pronoun, role or identifier in its clause ("Verdict in 24-CR-00088", "Gift cards preferred",
    "approved by Thorn", "Liaison is the same"). A quoted word, an all-caps word and a word after a name cue are
    left to the other rules; names that are words ("Destiny", "Precious") are in the lexicon and never reach this."""
    if span.isupper() or not span[:1].isupper() or not span.isascii() or not _plain_word(span):
        return False  # (an accented word is no English word: "Thaís" is not "Thai-s")
    if span.casefold() in word_names() or _cued(text, start) or text.startswith(("'s", "’s"), end):
        return False
    following = _NEXT_NAME.match(text, end)
    if following is not None and fold_accents(following.group(1)) in _lexicon_or_last_names():
        return False  # "Ram Prasad Adhikari", "Ahmadi, Farid": a name part beside a known name
    if person_evidence(text, start, end) or _PERSON_VERB.match(text, end) or _PERSON_BEFORE.search(
        text, max(0, start - 16), start
    ):
        return False
    clause = _clause(text, start, end, 120)
    return _PERSON_CLAUSE.search(clause) is None


# Words in the same clause that show a one-word name that is also a town or county is a person: pronouns, kin and
# roles, an identifier, being missing ("Cody texted her", "Grandma Sharon", "DOB for Cheyenne", "Selma is V5's wife",
# "DAVIS is the buyer", "SOFIA IS MISSING").
_PERSON_CLAUSE = re.compile(
    r"(?i:\b(?:she|her|hers|herself|he|him|his|himself|they/them|she/her|he/him|wife|husband|mom|mum|mother|dad|"
    r"father|sister|brother|cousin|uncle|aunt|auntie|tia|tita|tito|kuya|ate|grandma|grandmother|grandpa|grandfather|"
    r"abuela|abuelo|son|daughter|kid|baby|boyfriend|girlfriend|bf|gf|fianc[eé]e?|buyer|clerk|victim|client|pt|"
    r"patient|minor|girl|boy|woman|man|guy|twins?|juvenile|uacs?|defendant|suspect|trafficker|pimp|witness|dob|passport|"
    r"phone|cell|snap|snapchat|fb|ig|insta|ssn|dl|missing|runaway|first\s+name|named|v\d{1,2}|\d{1,2}\s*(?:yo|y/o|"
    r"yrs?|years?)|\d{1,2}-years?-old|years?\s+old)\b|\(\s*(?:[^()\n]{0,20},\s*)?\d{1,2}\s*\)|,\s*\d{1,2}\s*,)"
)
# A verb after the name that only a person does ("Candelaria said", "Tracy got moved", "Cody texted").
_PERSON_VERB = re.compile(
    r"[ \t]+(?i:said|says|told|tells|texted|texts|called|calls|speaks|spoke|lives|lived|works|worked|stays|stayed|"
    r"left|came|went|ran|moved|got|disclosed|admitted|knows|knew|answered|showed|arrived|escaped|asked|asks|agreed|"
    r"refused|declined|cried|thinks|thought|claims|claimed|denied|remembers|remembered|mentioned|explained|met|saw|"
    r"sent|brought|drove|owes|paid|hits|hit|is\s+(?:back|safe|missing|scared|afraid|pregnant|\d{1,2}\b(?![ \t]*"
    r"(?:hrs?|hours?|mins?|minutes|mi|miles|km|am|pm|%|:|[.,]\d|th|st|nd|rd)\b)))\b"
)
# Before the name: Tagalog person markers ("sabi ni Jerome"), "interview of", "calling".
_PERSON_BEFORE = re.compile(r"(?i:\b(?:ni|si|kay|sina|kina|interview\s+(?:of|with)|calling)[ \t]+)$")
_CLAUSE_END = re.compile(r"[.!?;:\n|—]|\s[-–]\s")


def _clause(text: str, start: int, end: int, reach: int) -> str:
    """The clause around ``text[start:end]``: from the last clause end (``_CLAUSE_END``) within ``reach`` characters
    before it to the first within ``reach`` after it (or ``reach`` characters either side when there is none)."""
    clause_start = max(0, start - reach)
    for match in _CLAUSE_END.finditer(text, clause_start, start):
        clause_start = match.end()
    clause_end = _CLAUSE_END.search(text, end, end + reach)
    return text[clause_start : clause_end.start() if clause_end else end + reach]


# A house, lot or street number and the street's capitalised words before the comma: "Lot 14 Chalan Kanton Tasi, ".
_ADDRESS_BEFORE = re.compile(r"\b\d{1,6}[A-Za-z]?[ \t]+[A-Z][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,5}[ \t]*,[ \t]*$")


def _town_not_person(text: str, start: int, end: int, words: list[str], folded: list[str]) -> bool:
    """A one-word name that is also a town or county (``first_name_places``: "Travis", "Edison", "Cheyenne") with
    nothing around it that shows a person: "Travis has the one on Thursdays", "the Edison warrant", "Cheyenne is 3
    hrs for me" -- but not "Cody texted her", "Grandma Sharon", "DOB for Cheyenne", "Jordan (they/them, 17)"."""
    names = [f for w, f in zip(words, folded, strict=True) if w[:1].isupper() or f not in _NAME_PARTICLES]
    if len(names) != 1 or names[0] not in first_name_places():
        return False
    if re.match(rf"[ \t]*\((?:{US_STATE_CODES})\)", text[end : end + 6]):
        return True  # "Kent (WA) warehouse tip"
    if text.startswith(("'s", "’s"), end) or person_evidence(text, start, end) or _PERSON_VERB.match(text, end):
        return False
    if _ADDRESS_BEFORE.search(text, max(0, start - 50), start):
        return False  # "Lot 14 Chalan Kanton Tasi, Dededo": the town that ends an address is masked with it
    if _beside_a_given_name(text, start, end):
        return False  # "for Rosa Elena and Marvin (the siblings ...)": listed with a person
    if (
        re.search(r"(?i:\bthe[ \t]+)$", text[max(0, start - 5) : start])
        and re.match(r"[ \t]+[a-z]", text[end:])
        and not re.match(
            r"[ \t]+(?:family|families|kids|children|household|brothers|sisters|boys|girls|parents|siblings|twins)\b",
            text[end:],
        )
    ):
        return True  # "the Edison warrant", "the Lawrence one", "the Modesto guys" (not "the Wilson kids")
    if _PERSON_BEFORE.search(text, max(0, start - 16), start):
        return False
    clause = _clause(text, start, end, 120)
    return _PERSON_CLAUSE.search(clause) is None


_GIVEN_JOINED_BEFORE = re.compile(r"([A-Z][^\W\d_]+)[ \t]*(?:,|&|\band\b|\bor\b|\by\b)[ \t]*$")
_GIVEN_JOINED_AFTER = re.compile(r"[ \t]*(?:,|&|\band\b|\bor\b|\by\b)[ \t]*([A-Z][^\W\d_]+)")


def _beside_a_given_name(text: str, start: int, end: int) -> bool:
    """A word joined by "and", "or", "&" or a comma to a given name that is no place: "Rosa and Marvin" (but "Tyler,
    Sherman and Marion" are all towns)."""
    for match in (
        _GIVEN_JOINED_BEFORE.search(text, max(0, start - 30), start),
        _GIVEN_JOINED_AFTER.match(text, end),
    ):
        if match is None:
            continue
        key = fold_accents(match.group(1))
        if key in first_names() and key not in first_name_places() and key not in places():
            return True
    return False


# Languages whose function words the model takes for names in a line of that language ("Mwen pa vle", "Merci
# beaucoup", "Buenas tardes", "Ja, Vorgang in", "Заседание в"): spaCy's own stop-word lists.
_LINE_LANGUAGES = ("es", "fr", "pt", "de", "it", "tl", "ht", "ru", "uk")


@lru_cache(maxsize=1)
def _foreign_stop_words() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per language: its stop words that are no English stop word (to tell the language of a line), and those of
    them that are also no everyday English word, name particle or name (the words a span may not hold)."""
    english = everyday_words()
    names = _all_names() | AMBIGUOUS_FIRST_NAMES
    out = {}
    for code in _LINE_LANGUAGES:
        words = importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
        folded = frozenset(fold_accents(w) for w in words if " " not in w) - ENGLISH_STOP_WORDS
        out[code] = (
            folded,
            frozenset(
                w for w in folded if len(w) > 1 and w not in english and w not in names and w not in _NAME_PARTICLES
            ),
        )
    return out


@lru_cache(maxsize=1)
def _foreign_word_set() -> frozenset[str]:
    """Every word a span may not hold in one of ``_LINE_LANGUAGES``' lines (the union of their second sets)."""
    return frozenset().union(*(not_names for _stop, not_names in _foreign_stop_words().values()))


def load_word_lists() -> None:
    """Load what the filters read lazily (spaCy's stop-word lists of ``_LINE_LANGUAGES``: importing
    them takes seconds, many more on a busy machine). ``Redactor.warm_up`` calls it, so the first message
    with a name candidate after start-up does not wait for it. The name-list unions built on first use too."""
    _foreign_stop_words()
    _foreign_word_set()
    _LEXICON_NAMES()
    _lexicon_or_last_names()
    _all_names()


def _line_language(text: str, start: int, end: int) -> frozenset[str] | None:
    """The stop words a name may not hold in the language the line around the span is written in, when it is one
    of ``_LINE_LANGUAGES``: three or more of its stop words that are no English stop word, and a fifth of the line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    if re.search(r"[\u1ea0-\u1ef9đơưĐƠƯ]", line):
        return None  # Vietnamese: its syllables ("gia", "em") are other languages' stop words
    tokens = [fold_accents(w) for w in _WORD.findall(line)]
    best: frozenset[str] | None = None
    best_count = max(2, (len(tokens) - 1) // 5)  # three or more, and a fifth of the line
    for stop, not_names in _foreign_stop_words().values():
        count = sum(token in stop for token in tokens)
        if count > best_count:
            best, best_count = not_names, count
    return best


def _in_place_list(text: str, start: int, end: int) -> bool:
    """A one-word name in a list of places: "Chandler, Gilbert and Mesa PDs", "Lowell and Lawrence", "Sioux
    Falls–Mitchell–Chamberlain". A comma list needs members on both sides ("in Asmara, Senait, got a call" and
    "Kalena Makoa, Waianae" are a person and where they are)."""
    if text[end : end + 2] in ("'s", "’s"):
        return False
    floor = max(0, start - 40)
    stop = start
    while stop > floor and text[stop - 1] in " \t":
        stop -= 1
    listed = text.endswith(_LIST_ENDINGS, floor, stop)  # what _LIST_JOIN ends with: most spans skip the search
    before = _NEIGHBOUR_BEFORE.search(text, floor, start) if listed else None
    after = _NEIGHBOUR_AFTER.match(text, end)
    if before is None and after is None:
        return False
    tail = after.end() if after is not None else end
    if _PLACE_LIST_AFTER.match(text, tail):
        return True
    for match, other in ((before, after), (after, before)):
        if match is None or not _neighbour_is_place(match.group("w")):
            continue
        if match.group("j").strip() == "," and other is None and match.group("w").split()[-1][:1].isupper():
            continue  # a region ("Kherson oblast, Zaporizhzhia") needs no member on the other side
        return True
    return False


_CROSS_CUE_BEFORE = re.compile(
    r"(?i:\b(?:corner\s+of|intersection\s+of|cross\s*-?\s*streets?(?:\s+(?:are|is|of))?\s*:?|esquina\s+de|lka|"
    r"last\s+known\s+address|address(?:\s+(?:is|was))?\s*:?|l\.k\.a\.?|in-?call(?:\s+only)?|lives?\s+off)"
    r"\s+(?:the\s+)?)$"
)


# A word that places someone at a corner: "to Flamingo & Koval", "SEEN GESSNER & CLAY", "complex at Sunset & Stephanie".
_LOCATION_BEFORE = re.compile(r"(?i:\b(?:at|to|on|near|seen|off|by|from|corner\s+of|around|outside)[ \t]+(?:the[ \t]+)?)$")


# A cross street is two streets: a third member of the list before or after it, or a plural verb after it, makes it a
# list of streets, areas or places ("the whole corridor", "are the two areas").
_LISTED_BEFORE = re.compile(r"[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,2}[ \t]*,[ \t]*$")
_LISTED_AFTER = re.compile(r"[ \t]*/[ \t]*[A-Z][\w'’-]*")
_PLURAL_AFTER = re.compile(r"[ \t]+(?:are|were|have|both)\b")


def _cross_street_false(text: str, start: int, end: int) -> bool:
    """A "cross street" that is two places or two offices: "Decatur and Marietta PDs", "Seoul/LA pipeline",
    "Brownsville & Harlingen both", "Tues/Thurs"."""
    span = text[start:end]
    sides = re.split(r"[ \t]*(?:&|/|@|\band\b|\by\b|\bn\b|\bx\b)[ \t]*", span)
    if len(sides) < 2:
        return False
    if _CROSS_CUE_BEFORE.search(text, max(0, start - 30), start):
        return False  # "the corner of Bellaire and Hillcroft": the words before say it is an intersection
    if re.match(r"-\d", text[end : end + 2]) or re.match(r"(?i:op|ops|operation)-", span):
        return True  # "Op-Sunrise and Kill-2 sweeps": two operation codes
    if (re.search(r"[ \t]and[ \t]", span) and _LISTED_BEFORE.search(text, max(0, start - 40), start)) or (
        "/" in span and _LISTED_AFTER.match(text, end)
    ):
        return True  # "Corona Ave, Roosevelt Ave and Junction Blvd", "Roosevelt Ave / Jackson Heights / Corona": a list
    if _PLURAL_AFTER.match(text, end):
        return True  # "Condado and Isla Verde are the two areas", "Tohatchi and Leupp are different chapters"
    strong = re.compile(
        r"\d|(?i:\b(?:st|ave|rd|blvd|dr|ln|hwy|pkwy|street|avenue|road|boulevard|drive|lane|highway)\b\.?)"
    )
    if any(strong.search(side) for side in sides):
        return False
    if _PLACE_LIST_AFTER.match(text, end) or re.match(r"[ \t]+(?:both|folks|people|pipeline)\b", text[end:]):
        return True
    located = _LOCATION_BEFORE.search(text, max(0, start - 24), start) is not None
    if any(re.search(r"['’]", side) for side in sides) or (
        not located
        and any(
            side.split() and all(fold_accents(w.strip(".")) in everyday_words() for w in side.split())
            for side in sides
        )
    ):
        return True  # "Stop & Shop", "Agriculture & Seafood", "Kim's Nails & Spa", "Q'eqchi' and K'iche'": no streets
    amp = (
        re.search(r"&|@", span) is not None
    )  # "Pecos & Charleston", "GESSNER & CLAY": how intersections are typed
    for side in sides:
        words = side.split()
        folded = " ".join(fold_accents(w.strip(".")) for w in words)
        if all(fold_accents(w) in _WEEKDAY_WORDS | {"mon", "thu", "sun"} for w in words):
            return True
        if amp:
            continue
        if folded in places() or (
            words
            and (
                words[-1].casefold() in _ORG_HEADS
                or _is_org_acronym(words[-1])
                or words[-1] in ("Heights", "City")
            )
        ):
            return True
        if words and all(w.isupper() for w in words) and not _caps_context(text, start, end):
            return True  # "CLEAR / TLO", "Clark County / LVMPD"
    return "/" in span and not re.search(
        r"(?i:\b(?:at|on|near|corner|of)[ \t]+$)", text[max(0, start - 12) : start]
    )


def _phone_false(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if _TIME_RANGE.fullmatch(span.strip()):
        return True  # "0900-1200": a shift, not a number
    cue = _CASE_CUE.search(text, max(0, start - 30), start)
    # "phone on file 410-...", "her call log: 612-...": the record word says where the phone number is kept
    return cue is not None and _PHONE_BEFORE_CUE.search(text, max(0, cue.start() - 12), cue.start()) is None


# a phone word right before the record word ("phone on file", "phone # on file", "call log", "cell on the log")
_PHONE_BEFORE_CUE = re.compile(
    r"(?i:\b(?:phone|cell|mobile|tel|number|call|contact)(?:[ \t]*(?:#|no\.?|number))?[ \t]+(?:on[ \t]+(?:the[ \t]+)?)?)$"
)


_NOUN_SUFFIXES = ("tion", "sion", "ment", "ness", "ing", "ed")


# What no account name looks like: a contraction ("RSVP'd"), a price or a rate ("70¢/mi"), a section number
# ("236.1"), a device or product in camel case ("iPad", "AirTags").
_NOT_A_HANDLE = re.compile(r"[\w.]*['’][a-z]{1,2}|.*¢.*|\d+/[a-z]{1,4}|\d+(?:\.\d+)+|i[A-Z][a-z]+|Air[A-Z][a-z]+s?")


_CSV_COUNTS = re.compile(r"[^\s,]+(?:,[ \t]*\d[\d.]*)+")


def _handle_false(text: str, start: int, end: int, source: str = "handle") -> bool:
    if _CSV_COUNTS.fullmatch(text, start, end):
        return True  # "Harris,212,14": a CSV row of counts
    if source == "tagger" and text[start : start + 1] not in ("@", "$") and _NOT_A_HANDLE.fullmatch(text[start:end]):
        return True
    span = text[start:end].strip("@$ ")
    if _TIME_WORD.fullmatch(span):
        return True  # "3pm", "30-day", "T-0412", "I-70"
    if not span or any(ch.isdigit() or ch in "_." for ch in span):
        return False
    key = span.casefold()
    if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*", key):
        return False
    if all(_everyday(part, _NOUN_SUFFIXES) for part in key.split("-")):
        return True  # "subpoenas", "storefronts", "booked", "short-stay": a word after a platform name
    return False


# What introduces an organisation's line: "tip line 1-866-...", "EOIR hotline", "NY SCR is 1-800-...".
_LINE_BEFORE = re.compile(r"(?i:\b(?:line|hotline|helpline|number\s+for|call\s+center)\b)|\b[A-Z]{2,6}\b")


def _toll_free(text: str, start: int, end: int) -> bool:
    """A toll-free number given as an organisation's line (also when only its last seven digits were found,
    "1-866-" typed before them). A toll-free number with nothing naming a line stays masked."""
    for match in _TOLL_FREE.finditer(text, max(0, start - 10), end):
        if match.end() == end and match.start() <= start:
            return _LINE_BEFORE.search(text, max(0, match.start() - 40), match.start()) is not None
    return False


# Every rule looks at most this far either side of a finding, so a finding is judged on that window alone (and
# the judgement is cached by window: a string repeated a thousand times in a long message is judged once).
_REACH = 200


def false_alarm(text: str, finding: Finding) -> bool:
    """Whether ``finding`` belongs to one of the false-alarm classes above."""
    window_start = max(0, finding.start - _REACH)
    window = text[window_start : finding.end + _REACH]
    return _false_alarm_in(
        window,
        finding.start - window_start,
        finding.end - window_start,
        finding.label,
        judged_source(finding.label, finding.source),
    )


# PERSON findings of these recognizers are judged alike: ``_person_false`` tells them apart only from the others
# (both are in ``_MODEL_SOURCES`` and ``_LONE_WORD_SOURCES``), so a span found by NER and the tagger is judged once.
# A rule that tells them apart must take them out of here (tests/unit/redaction/test_precision_memo.py fails then).
_ALIKE_PERSON_SOURCES = frozenset({"ner", "tagger"})


def judged_source(label: str, source: str) -> str:
    """The source a finding is judged as: one name for recognizers the rules treat alike (the cache key)."""
    return "ner" if label == PERSON and source in _ALIKE_PERSON_SOURCES else source


class FalseAlarms:
    """``false_alarm`` for the findings of one message, each (span, label, judged source) judged once: the
    every-occurrence and completion passes meet the same span many times, and the window cache below is bounded.

    The spans judged false alarms are kept (``cleared``), so that a pass that adds findings after the judgement can
    respect it (``overruled``): "Martin Luther King Jr" before "Day" is cleared as NER's span, and the lexicon's
    "Martin Luther King" inside it, or its completion, must not mask it again.
    """

    __slots__ = ("_cleared", "_index", "_judged", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._judged: dict[tuple[int, int, str, str], bool] = {}
        self._cleared: dict[str, list[tuple[int, int]]] = {}
        self._index: dict[str, tuple[list[int], list[int]]] | None = None

    def __call__(self, finding: Finding) -> bool:
        key = (finding.start, finding.end, finding.label, judged_source(finding.label, finding.source))
        verdict = self._judged.get(key)
        if verdict is None:
            verdict = self._judged[key] = false_alarm(self.text, finding)
            if verdict:
                self.clear(finding)
        return verdict

    def clear(self, finding: Finding) -> None:
        """Record ``finding``'s span as no PII of its label (a false alarm, or a PERSON span that is no person)."""
        self._cleared.setdefault(finding.label, []).append((finding.start, finding.end))
        self._index = None

    def overruled(self, finding: Finding) -> bool:
        """Whether ``finding`` is a name within a span judged no person (a "." after that span counts as inside it:
        "Jr." of a cleared "... King Jr"). A deny-listed alias is never overruled."""
        if finding.source == "deny_list" or finding.label != PERSON or PERSON not in self._cleared:
            return False
        if self._index is None:
            self._index = {}
            for label, spans in self._cleared.items():
                spans.sort()
                reach, furthest = [], -1
                for _start, end in spans:
                    if self.text[end : end + 1] == ".":
                        end += 1
                    furthest = max(furthest, end)
                    reach.append(furthest)
                self._index[label] = ([start for start, _end in spans], reach)
        starts, reach = self._index[finding.label]
        before = bisect_right(starts, finding.start)
        return before > 0 and reach[before - 1] >= finding.end


@lru_cache(maxsize=16384)
def _false_alarm_in(text: str, start: int, end: int, label: str, source: str) -> bool:
    if label in (PHONE, HANDLE) and _toll_free(text, start, end):
        return True  # an organisation's toll-free line
    if label == PERSON:
        return _person_false(text, start, end, source)
    if label == ADDRESS and source == "cross_street":
        return _cross_street_false(text, start, end)
    if label == PHONE and source in ("phone", "tagger"):
        return _phone_false(text, start, end)
    if label == HANDLE and source in ("handle", "handle_cue", "tagger"):
        return _handle_false(text, start, end, source)
    if label == AGE:
        return (
            _AGE_NOT.match(text, end) is not None
            or re.match(r"-\d{1,4}-\d", text[end : end + 7]) is not None  # "45-5-702", "16-5-46": a statute
            or (
                _GROUP_AGES.search(text, max(0, start - 10), start) is not None
                and re.match(r"\d{1,2}[ \t]*(?:-|–|to)[ \t]*\d", text[start : end + 6]) is not None
            )  # "ages 14–17": a group's ages
            or (
                text[start:end].isdigit()
                and re.search(r"(?i:\bon[ \t]+the[ \t]+)$", text[max(0, start - 8) : start]) is not None
            )  # "3.5 HRS ON THE 15": a freeway
            or re.fullmatch(r"\d+-\d+-\d+", text[start:end]) is not None
            or (source != "age_cue" and not _OWN_AGE_UNIT.search(text, start, end) and _age_not_an_age(text, start, end))
            or (source != "age_cue" and text[start:end].isdigit() and _numbering_or_count(text, start, end))
        )
    if label == ADDRESS:
        return _address_false(text, start, end, source)
    if label == SSN and source == "national_id_checked" and _OTHER_NUMBER_BEFORE.search(text, max(0, start - 40), start):
        return True  # "loyalty # on the folio is 8812 0456 2231": a number of another kind, its digits a valid ID by chance
    if label in (LICENSE_PLATE, PASSPORT, DRIVER_LICENSE) and source not in ("tagger", "passport_mrz"):
        return _identifier_false(text, start, end)
    return False


# A 24-hour clock time read as a plate: "0340 HRS", "ETA 1400" (with a time word in or after it).
_CLOCK_PLATE = re.compile(
    r"(?i:(?:eta|etd|at|@)[ \t]+)?(?:[01]\d|2[0-3])[0-5]\d(?:[ \t]*(?i:hrs?|hours)|[ \t]+(?:[ECMPA]K?[SD]?T|HST|UTC|GMT|Z))?"
)
_CLOCK_AFTER = re.compile(r"[ \t]*(?:hrs?\b|HRS?\b|hours\b|(?:[ECMPA]K?[SD]?T|HST|UTC|GMT|Z)\b)")


# Numbers of other kinds before an ID that needs no cue (an Aadhaar's 4-4-4 digits pass their check one time in ten).
_OTHER_NUMBER_BEFORE = re.compile(
    r"(?i:\b(?:loyalty|rewards?|membership|folio|confirmation|conf|reservation|booking|order|tracking|ticket|"
    r"invoice|receipt|points|frequent[ \t]+flyer|itinerary)\b[^\n.;]{0,28})$"
)


def _identifier_false(text: str, start: int, end: int) -> bool:
    """A plate or ID cut out of a longer token ("Region 7" -> "ion 7", "1400-2200" -> "1400-22"), money ("$125
    govt") or a time range ("6AM-2PM")."""
    if start > 0 and text[start - 1].isalpha() and text[start].isalpha() and ord(text[start - 1]) < 0x0250:
        return True  # (a Latin letter: Chinese or Thai text runs into an ID with no space, "护照号码EB4417823")
    if end < len(text) and text[end].isdigit() and text[end - 1].isdigit():
        return True
    if text[max(0, start - 1) : start] == "$":
        return True
    if _CLOCK_PLATE.fullmatch(text, start, end) and (
        re.search(r"(?i:hrs?|hours|eta|etd)|[A-Z][ \t]*$", text[start:end]) or _CLOCK_AFTER.match(text, end)
    ):
        return True  # "0340 HRS", "ETA 1400 MT": a 24-hour time, not a plate
    return (
        re.fullmatch(r"(?i:\d{1,2}(?::\d\d)?[ap]m[ \t]*[-–][ \t]*\d{1,2}(?::\d\d)?[ap]m)", text[start:end])
        is not None
    )


# An age whose own characters say it is one ("18yo", "17 y.o.", "22 yrs old"): the context vetoes below (a code, a
# date, a tally before it) judge a bare number and never remove such a span -- "case. 18yo college freshman".
_OWN_AGE_UNIT = re.compile(
    r"\d[ \t]?-?[ \t]?(?i:yo|y/o|y\.o|yoa|yrs?[ \t.-]*(?:old|young)|years?[ \t-]*(?:old|young)|años|anos)(?![^\W\d_])"
)
# A number that goes on as a bigger number, "5,000 printed", "3.5 hrs": not an age.
_AGE_NOT = re.compile(r"[,.]\d")
# A time, a duration or a code: "1–4pm", "2-3 wks", "until about 10", "Jul 24", "Dept 12, not 9", "24-0117-T".
_AGE_UNIT_AFTER = re.compile(
    r"-\d{3}|[ \t]*(?i:am|pm|a\.m|p\.m|hrs?|hours?|wks?|weeks?|mins?|minutes?|days?|months?|mos)\b"
)
_AGE_CODE_BEFORE = re.compile(
    r"(?:\d-|(?i:\b(?:case|dept|department|rows?|room|rm|unit|sala|exit|hwy|highway|route|jan|feb|mar|apr|jun|jul|"
    r"aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december|"
    r"until|till|til|exhibit|exh|tab|page|pg|pp|p|section|sec|§|part|chapter|ch|rule|count|item|line|slide|car|"
    r"engine|medic|squad|beat|sector|zone|post|channel|badge|shift|version|ver|v)\.?[ \t]+(?:about[ \t]+|around[ \t]+|\d{1,4}[ \t]*,[ \t]*not[ \t]+)?))$"
)
# A tally's heading before the numbers: "Case count by county: Harris 14, ...", "interpreter hours: VN 22, ...".
_TALLY_HEADING = re.compile(
    r"(?i:\b(?:count|counts|hours|beds|totals?|tally|headcount|stats|numbers)\b[^:\n.]{0,30}:)"
)


# Ages of a group: "all Guatemalan, ages 14–17", "ages 16-19 on every ad" (one person's is "age 14-15").
_GROUP_AGES = re.compile(r"(?i:\bages[ \t]*:?[ \t]*)$")
# A count of people by kind in a tally ("9 minors, 14 adults", "17 female, 5 male").
_GROUP_COUNT = re.compile(
    r"(?<![\w/.-])\d{1,4}[ \t]+(?:female|male|females|males|minors|adults|victims|survivors|women|men|girls|boys|"
    r"nonbinary|clients|workers|cases|referrals)\b"
)


_AGE_HEADER = re.compile(r"(?i:\b(?:ages?|aged|edad|edades|idade|âge|alter|wiek|возраст|yo|y/o|yrs?|years?|años)\b)")
_TABLE_SEPARATOR = re.compile(r"[ \t|:+-]*")
# A cell of a tally: a few words, then a count ("Referrals 61", "Referred by LE: 19", "healthcare: 8").
_TALLY_CELL = re.compile(r"[ \t]*(?P<label>[^\W\d][^|;\d\n]{1,30}?)[ \t]*[:=]?[ \t]*\d{1,5}[ \t]*")


def _line_bounds(text: str, start: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    return line_start, len(text) if line_end == -1 else line_end


def _numbering_or_count(text: str, start: int, end: int) -> bool:
    """A bare number that its own layout says is no age: list numbering with a sibling ("(3)" where "(2)" or "(4)"
    is also written, "3." opening a line when "2." opens another), a cell of a table whose column heading is no age
    word ("| Clients served | 38 | 44 |" under "| Measure | Q1 | Q2 |"), or a count in a tally line of three or more
    "label N" cells none of which is a given name ("Referrals 61 | Served 49 | Minors 11")."""
    number = int(text[start:end])
    before, after = text[start - 1 : start], text[end : end + 1]
    if before == "(" and after == ")":
        # a numbered list starts at one: "(1) ... (2) ... (3)"; "Ana (15), Rosa (16)" are ages
        return "(1)" in text and (f"({number - 1})" in text or f"({number + 1})" in text)
    line_start, line_end = _line_bounds(text, start)
    if after in (".", ")") and not text[line_start:start].strip():
        siblings = (f"\n{number - 1}{after}", f"\n{number + 1}{after}")
        first = f"\n1{after}" in text or text.lstrip().startswith(f"1{after}")
        return first and any(sibling in text for sibling in siblings)
    line = text[line_start:line_end]
    if line.count("|") >= 2 and _not_an_age_column(text, start, line_start):
        return True
    cells = re.split(r"[|;]", line)
    if len(cells) >= 3:
        tallies = [_TALLY_CELL.fullmatch(cell) for cell in cells]
        if all(tallies) and not any(
            fold_accents(word) in first_names()
            for match in tallies
            if match is not None
            for word in re.findall(r"[^\W\d_]+", match.group("label"))
            if word[:1].isupper()
        ):
            return True
    return _comma_tally(text, start, end, line_start, line_end)


# A cell of a comma-separated tally, label then count or count then label: "Lewisham 24", "24 Lewisham", "he/him 14".
_COMMA_CELL = re.compile(
    r"[ \t]*(?:(?P<a>[^\W\d][^,\d\n]{0,24}?)[ \t]*:?[ \t]+(?P<n>\d{1,4})|(?P<m>\d{1,4})[ \t]+(?P<b>[^\W\d][^,\d\n]{0,24}?))"
    r"(?P<tail>(?:[ \t]+[a-z]+){0,3})[ \t]*[.)]?[ \t]*"
)
_PRONOUN_LABELS = frozenset("he him she her they them his hers theirs xe ze".split())


def _tally_label_word(word: str) -> bool:
    """A tally's label word that names no person: a pronoun, an everyday word in lower case, a place."""
    key = fold_accents(word)
    if key in _PRONOUN_LABELS:
        return True
    if word.islower():
        return _everyday(key)
    return key in places() or key in towns() or key in first_name_places()


_COUNT_BEFORE = re.compile(r"\b(\d{1,4})[ \t]+$")
_COUNT_AFTER = re.compile(r"[ \t]+(\d{1,4})\b")


def _tally_label(text: str, start: int, end: int) -> bool:
    """The word is the label of a comma-separated tally cell whose count is no age ("24 Lewisham, 15 Southwark")."""
    count = _COUNT_BEFORE.search(text, max(0, start - 8), start) or _COUNT_AFTER.match(text, end, end + 8)
    if count is None:
        return False
    line_start, line_end = _line_bounds(text, count.start(1))
    return _comma_tally(text, count.start(1), count.end(1), line_start, line_end)


def _comma_tally(text: str, start: int, end: int, line_start: int, line_end: int) -> bool:
    """A count in a comma-separated tally of three or more cells that are a label and a number ("24 Lewisham, 15
    Southwark, 11 Greenwich", "he/him 14, she/her 9, they/them 6", "construction 7, agriculture 6, restaurants 4"):
    every label a pronoun, an everyday word in lower case or a place (ages listed with names, "Rosa 15, Ana 16",
    "Jomar Lacson 27", "W/M 47", "16 on CPS, 18 on the jail roster", keep their ages)."""
    if "," not in text[max(line_start, start - 40) : min(line_end, end + 40)]:
        return False
    # the clause around the number, within its line
    left = max(text.rfind(sep, line_start, start) for sep in (".", ":", "—", "(", "?", "!", ";"))
    left = line_start if left < 0 else left + 1
    ends = [i for i in (text.find(sep, end, line_end) for sep in (".", "(", "?", "!", ";", "—")) if i >= 0]
    right = min(ends) if ends else line_end
    cells = text[left:right].split(",")
    offset, own, tally, big, unlisted = left, None, 0, False, False
    for index, cell in enumerate(cells):
        match = _COMMA_CELL.fullmatch(cell)
        if match is not None and match.group("tail") and index != len(cells) - 1:
            match = None  # words after the count only in the last cell ("they/them 6 this month")
        if match is not None:
            label = match.group("a") or match.group("b") or ""
            words = re.findall(r"[^\W\d_]+", label)
            big = big or int(match.group("n") or match.group("m")) > 110
            for word in words:
                if _tally_label_word(word):
                    continue
                if word.istitle() and fold_accents(word) not in _all_names():
                    unlisted = True  # a capitalised word no list holds ("Bexar"): only beside a count no age can be
                else:
                    match = None
                    break
            if not words:
                match = None
        tally += match is not None
        if offset <= start < offset + len(cell):
            own = match
        offset += len(cell) + 1
    return own is not None and tally >= 3 and (big or not unlisted)


def _not_an_age_column(text: str, start: int, line_start: int) -> bool:
    """The number is in a "|" table whose heading row names its column, and that heading is no age word."""
    column = text.count("|", line_start, start)
    header_start = line_start
    while header_start > 0:
        previous_start = text.rfind("\n", 0, header_start - 1) + 1
        previous = text[previous_start : header_start - 1]
        if previous.count("|") < 2:
            break
        header_start = previous_start
    header_end = text.find("\n", header_start)
    header = text[header_start : len(text) if header_end == -1 else header_end]
    if header_start == line_start or _TABLE_SEPARATOR.fullmatch(header):
        return False  # no heading row above: nothing says what the column holds
    cells = header.split("|")
    if column >= len(cells):
        return False
    heading = cells[column]
    return _AGE_HEADER.search(heading) is None and bool(heading.strip())


# A number that counts things: a noun of documents, data or events right after it ("34 pages", "20 slides"),
# "-year" used as an adjective ("no 5-year bar"; "5-year-old" is an age), an ordinal ("the 11th"), "n=88", a clock
# time ("10:00–12:00").
_COUNT_NOUN_AFTER = re.compile(
    r"[ \t]+(?:more[ \t]+|new[ \t]+|other[ \t]+)?(?i:pages|pp|slides|rows|columns|items|files|documents|docs|forms|copies|"
    r"tabs|entries|pizzas|seats|chairs|tables|boxes|bags|packets|trainings|sessions|modules|attendees|participants|"
    r"responses|surveys|mb|kb|gb|units|referrals|lines|words|emails|messages|tips|hits|results|steps)\b"
)
_YEAR_ADJECTIVE = re.compile(r"(?i:-(?:year|yr|month|week|day)s?\b(?![ \t-]*old))")
_ORDINAL_OR_SAMPLE = re.compile(r"(?i:\d{1,2}(?:st|nd|rd|th)|n[ \t]*=[ \t]*\d+|.*\d:\d\d.*)")


def _a_count(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if _ORDINAL_OR_SAMPLE.fullmatch(span) or _YEAR_ADJECTIVE.match(text, end) or _YEAR_ADJECTIVE.search(span):
        return True
    return span[-1:].isdigit() and _COUNT_NOUN_AFTER.match(text, end) is not None


def _age_not_an_age(text: str, start: int, end: int) -> bool:
    """An age found beside a person or another age that is a time, a duration, a code or a tally's count."""
    span = text[start:end]
    if _a_count(text, start, end):
        return True  # "34 pages", "no 5-year bar", "the 11th", "n=88"
    if re.search(r"(?i:[ap]\.?m\.?)$", span) or re.fullmatch(r"\d{1,2}[ap]", span) or _AGE_UNIT_AFTER.match(text, end):
        return True  # "1–4pm", "2-3 wks", "24-0117-T"
    if re.fullmatch(r"\d{1,2}h(?:\d\d)?", span) or re.match(r"h\d\d\b|-(?:day|week|month|hour)s?\b", text[end : end + 6]):
        return True  # "amanhã, 14h", "16h30", "45-day recovery period": a time or a duration
    if re.search(r"\+\d{1,4}[ \t]+$", text[max(0, start - 8) : start]):
        return True  # "+504 3 or +504 9": a number's country code and first digit
    counts = [
        m
        for m in re.finditer(r"(?<![\w/-])\d{1,3}[ \t]+([A-Z][a-z]+)\b", text[max(0, start - 40) : end + 40])
        if _demonym(m.group(1))
    ]
    if span.isdigit() and re.match(r"[ \t]+[A-Z][a-z]+", text[end : end + 3]) and len(counts) >= 2:
        return True  # "11 Indonesian and 4 Filipino crew": counts of peoples, not ages
    groups = _GROUP_COUNT.findall(text, max(0, start - 60), end + 60)
    if span.isdigit() and _GROUP_COUNT.match(text, start) and len(groups) >= 2:
        return True  # "9 minors, 14 adults. 17 female, 5 male": a tally of a group, not ages
    if _AGE_CODE_BEFORE.search(text, max(0, start - 24), start):
        return True  # "Jul 24", "Dept 12, not 9", "until about 10"
    return _TALLY_HEADING.search(text, max(0, start - 120), start) is not None
_MEETING_ROOM = re.compile(r"(?i:(?:conf(?:erence)?\.?\s+)?(?:room|rm|suite|ste)\.?\s*#?\s*\d{1,4}[A-Za-z]?)")
_OFFICE_BEFORE = re.compile(
    r"(?i:\b(?:bldg|building|floor|fl|center|centre|courthouse|office|offices|conf|conference|training|meeting|"
    r"interview|forensic|debrief|admin|hq|station|seats|projector)\b)"
)
# After a meeting room: "Room 112 is the new interview room", "Room 210 County Admin Bldg", "Suite 300 at the DA's".
_OFFICE_AFTER = re.compile(
    r"(?i:[^.\n]{0,30}\b(?:interview|waiting|conference|training|meeting)\s+room\b|[ \t,]+(?:at[ \t]+the[ \t]+)?"
    r"(?:[\w'’.]+[ \t]+){0,3}(?:bldg|building|center|centre|courthouse|hq)\b)"
)
_LODGING_WORDS = re.compile(
    r"(?i:\b(?:motel|hotel|inn|suites|lodge|apartments?|apts?|complex|lives?|living|staying|stays|stayed|airbnb|"
    r"trailer|victim|girls?|client|kept|held)\b)"
)


_COUNT = re.compile(
    r"\d{1,3}[ \t]+(?:units?|cars?|officers?|deputies|agents?|advocates?|minors?|adults?|kids?|girls?|boys?|men|"
    r"women|people|victims?|beds?|rooms?)\b"
)


_SENTENCE_INSIDE = re.compile(r"\b[a-z]{3,}[.!?][ \t]+[A-Z]")


_RADIO_UNIT = re.compile(r"(?:Unit|UNIT)[ \t]*#?[ \t]*\d{1,4}")
_CLAUSE_START = re.compile(r"(?:^|[.!?:;,\n]|\band)[ \t]*$")
# What a team does (not what a flat is): "Unit 4 is running", "Unit 7 can take overflow", "Unit 2 en route".
_UNIT_ACTS = re.compile(
    r"[ \t]+(?:is|are|was|will|can|took|takes|responding|responded|running|ran|copies|copy|en[ \t]+route|"
    r"on[ \t]+scene|clear|cleared|arrived|handled|handles|covers|covering)\b"
)


def _address_false(text: str, start: int, end: int, source: str) -> bool:
    span = text[start:end]
    if source in ("unit", "named_unit", "tagger") and _MEETING_ROOM.fullmatch(span.strip()):
        before = text[max(0, start - 60) : start]
        after = text[end : end + 40]
        return (
            (_OFFICE_BEFORE.search(before + span) is not None or _OFFICE_AFTER.match(after) is not None)
            and _LODGING_WORDS.search(text, max(0, start - 150), end + 150) is None
        )
    if source == "street_lived_on" and not any(ch.isdigit() for ch in span) and _street_of_a_venue(text, start, end):
        return True  # "Extended Stay on International Dr", "the church on Grand River": a venue's street
    if source == "complex" and not any(ch.isdigit() for ch in span):
        named = span.split()
        if named and named[0].casefold() == "the":
            named = named[1:]
        head = " ".join(fold_accents(w) for w in named[:-1])
        if head and head in places():
            return True  # "Jamaica Estates", "Queens Village", "Palm Springs Villas": a neighbourhood named after a place
    if source == "street_address" and re.match(r"\d{3,4}[ \t]+(?:[ECMPA]K?[SD]?T|UTC|GMT|BST|CET|HST|ET|CT|PT)\b", span):
        return True  # "0900 HST via phone": a time and its zone
    if source == "complex" and not any(ch.isdigit() for ch in span) and re.search(r"['’]s\s+Place\b", span):
        return True  # "Ruth's Place", "Mary's Place": a shelter's name
    if source in ("street_address", "tagger") and _SENTENCE_INSIDE.search(span):
        return True  # "Sure, 4 goes second. Court in Austin": a count ending one sentence, a word opening the next
    if (
        source in ("unit", "tagger")
        and _RADIO_UNIT.fullmatch(span)
        and _UNIT_ACTS.match(text, end)
        and _CLAUSE_START.search(text, max(0, start - 6), start)
    ):
        return True  # "Unit 4 is running the I-10 outreach", "Unit 12 en route": a team or a car, not an apartment
    if source == "street_address" and _COUNT.match(span):
        return True  # "2 units en route", "4 officers"
    if source == "street_address" and re.match(r"\d+[ \t]*\n", span):
        return True  # "1\nHope Harbor": a count ending one line and a name opening the next
    return False
