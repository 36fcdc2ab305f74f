"""Rebuild ``everyday_words.txt``: English words a capitalised chat word is compared against.

Why: the name rules take a capitalised word that is *not* an everyday word, in a person context ("Ixchel speaks
Mam", "Jayden is 4", "picked up Kenia"), as a name even when no lexicon knows it. For that test we need a list of
everyday English words that is small (it is loaded at start-up) and free of rare dictionary entries that are really
names. The list is:

- Webster's Second International (public domain; via ``english-words``' ``web2`` list), lower-case entries only (its
  capitalised entries are proper nouns), kept when their frequency in today's English (``wordfreq``, Zipf scale) is
  at least 2.0 -- this drops archaic entries such as "maria" (the plural of mare) or "kenia" that are names in chat;
- plus any word with Zipf frequency >= 4.3 (brands and net words: "google", "instagram", "covid", "lol");
- plus ``EXTRA``: apps, ad sites, payment services and chat words too new or too rare for either source.

Names that are also everyday words ("Precious", "Destiny") are therefore *not* taken by this rule; cue words and the
lexicon still catch them. The word frequency data is wordfreq's (CC BY-SA 4.0, Robyn Speer); this list is derived
from it and from Webster's (public domain).

Run (needs ``pip install english-words wordfreq``; neither is needed at run time)::

    python redaction/data/build_everyday_words.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "everyday_words.txt"
MIN_DICTIONARY_ZIPF = 2.0
MIN_ANY_ZIPF = 4.3
EXTRA = """
cashapp venmo zelle paypal snapchat snap tiktok whatsapp telegram kik signal wickr onlyfans megapersonals skipthegames
backpage craigslist listcrawler tryst eros bedpage doublelist adultsearch seeking grindr tinder bumble hinge
instagram insta facebook messenger fb ig twitter x youtube discord roblox fortnite minecraft xbox playstation ps5 twitch
reddit gmail yahoo hotmail outlook icloud uber lyft doordash grubhub airbnb greyhound amtrak walmart walgreens cvs
target costco kroger heb lowes safeway chevron shell exxon valero pilot flying loves ta petro motel6 redroof
zoom teams webex slack matrix element
lol omg smh tbh idk imo fyi asap tmrw tmr tmw pls plz thx ty np nvm brb btw irl dm dms pm'd rn ngl ikr wya wyd hbu
addy bday bff bae bro sis fam cuz homie shawty sugar daddy
tx ca fl ga ny nj pa oh mi il mn az nv co wa or hi ak la
""".split()


def build() -> list[str]:
    from english_words import get_english_words_set
    from wordfreq import top_n_list, zipf_frequency

    words = {
        word
        for word in get_english_words_set(["web2"], lower=False, alpha=True)
        if word.islower() and zipf_frequency(word, "en") >= MIN_DICTIONARY_ZIPF
    }
    words |= {
        word
        for word in top_n_list("en", 100_000)
        if word.isalpha() and word.islower() and zipf_frequency(word, "en") >= MIN_ANY_ZIPF
    }
    words |= set(EXTRA)
    return sorted(words)


def main() -> None:
    words = build()
    header = (
        "# Everyday English words (see build_everyday_words.py). Derived from Webster's Second International\n"
        "# (public domain) and wordfreq's English frequencies (CC BY-SA 4.0, Robyn Speer).\n"
    )
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
