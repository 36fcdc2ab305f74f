"""Rebuild ``word_names.txt``: everyday English words that are also given names ("Precious", "Blessing", "Lily",
"Hank", "Rocky", "Yaw").

Why: the name lexicon leaves out every name that is an everyday word (it would mask ordinary words), so a capitalised
everyday word that NER or the tagger calls a person cannot be checked against it. ``precision.py`` drops such a
one-word finding when nothing around it says "person" ("Verdict in 24-CR-00088", "Gift cards preferred", "approved by
Thorn") -- unless the word is in this list: a word people are named, which stays masked on the model's word alone.
Source: the given names of every person locale Faker ships (accents folded, lower case) that are in
``everyday_words.txt``, plus ``SUPPLEMENT``: street and ad nicknames that are words and no Faker locale holds.

Run (needs Faker, a test dependency; not needed at run time)::

    python redaction/data/build_word_names.py
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
OUT = HERE / "word_names.txt"
ATTRIBUTES = ("first_names", "first_names_female", "first_names_male", "first_romanized_names")
# Nicknames in ads, jail calls and street talk that are words: "ask for Coco", "its Pooh", "Tay B/M 25".
SUPPLEMENT = """
coco momo pooh tay tae cookie peaches honey sugar kandy candi bambi barbie cherry angel bunny baby diamond
princess mimi lulu nene juju bebe dede gigi kiko lolo shorty smoke slim tiny boogie ram shy
""".split()


def given_names() -> set[str]:
    import faker.providers.person as person

    from redaction.normalise import fold_accents

    names: set[str] = set()
    for module_info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"faker.providers.person.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for attribute in ATTRIBUTES:
            value = next((base.__dict__[attribute] for base in provider.__mro__ if attribute in base.__dict__), None)
            if isinstance(value, (list, tuple, dict, set, frozenset)):
                names.update(fold_accents(str(name)) for name in value)
    return names


def build() -> list[str]:
    from redaction.vocabulary import everyday_words

    everyday = everyday_words()
    return sorted({name for name in given_names() if name in everyday} | set(SUPPLEMENT))


if __name__ == "__main__":
    words = build()
    OUT.write_text(
        "# Everyday words that are given names (build_word_names.py; Faker's name lists, MIT)\n"
        + "\n".join(words)
        + "\n",
        encoding="utf-8",
    )
    print(f"{len(words)} words -> {OUT}")
