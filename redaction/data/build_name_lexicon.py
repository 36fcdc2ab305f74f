"""Rebuild ``first_names.txt`` and ``last_names.txt`` from Faker's name lists.

Why a committed file and not Faker at run time: Faker is a test dependency, and the engine must start without it.
Why these locales: task forces in the US meet survivors from Latin America and the US above all. The corpus
generator deliberately draws many names from *other* locales (es_CO, en_IN, fr_FR, ro_RO) so recall on generated
messages is not just a lookup of this same list. Run: ``python redaction/data/build_name_lexicon.py``.
"""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path

LOCALES = ("en_US", "es_MX", "es_ES", "pt_BR")
HERE = Path(__file__).resolve().parent


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _names(attribute: str) -> list[str]:
    found: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for name in getattr(provider, attribute, ()):
            for part in str(name).split():
                folded = _fold(part)
                if len(folded) >= 3 and folded.isalpha():
                    found.add(folded)
    return sorted(found)


def main() -> None:
    (HERE / "first_names.txt").write_text("\n".join(_names("first_names")) + "\n", encoding="utf-8")
    (HERE / "last_names.txt").write_text("\n".join(_names("last_names")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
