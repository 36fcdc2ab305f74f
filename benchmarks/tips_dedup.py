"""How long duplicate detection takes as the tip store grows (run: python -m benchmarks.tips_dedup).

Exact matches are one indexed lookup of keyed hashes; fuzzy name matching decrypts every earlier
subject name in memory. Prints milliseconds per new tip for both, and their ratio (baseline: the
hash-only lookup measured in the same run).
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from handlers.tips import find_possible_matches, identifiers_of
from storage import directory
from storage.crypto import FieldCipher, KeyedHasher, KeyRing, install_cipher
from storage.db import Database
from storage.tips import Tip, TipIdentifier

FIRST = ["marco", "maria", "jose", "ana", "li", "wei", "olga", "ivan", "amir", "fatima", "john", "mary"]
LAST = ["silva", "santos", "garcia", "chen", "petrova", "smith", "haddad", "nguyen", "kowalski", "okafor"]


def main(sizes: tuple[int, ...] = (1_000, 5_000, 10_000), repeats: int = 20) -> None:
    ring = KeyRing.generate()
    install_cipher(FieldCipher(ring))
    hasher = KeyedHasher(ring.hmac_key)
    rng = random.Random(7)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        with db.session() as s:
            directory.upsert_agency(s, "x", "X", "other")
            submitter = directory.upsert_member(
                s,
                handle="b",
                display_name="B",
                agency_key="x",
                discipline="coordinator",
                roles=[],
                identities=[],
            )
        count = 0
        print(f"{'earlier tips':>12} {'hash only ms':>13} {'hash+fuzzy ms':>14} {'ratio':>6}")
        for size in sizes:
            with db.session() as s:
                while count < size:
                    count += 1
                    values = {
                        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}{count}",
                        "phone": f"312555{count:04d}",
                        "observed": "x" * 500,
                    }
                    tip = Tip(
                        number=count,
                        submitter_id=submitter.id,
                        source="hotline",
                        urgency="routine",
                        subject_name=values["name"],
                        subject_phone=values["phone"],
                        observed=values["observed"],
                        created_at=now,
                    )
                    s.add(tip)
                    s.flush()
                    for kind, value in identifiers_of(values, "US"):
                        s.add(TipIdentifier(tip_id=tip.id, kind=kind, digest=hasher(value)))
            new = {"name": "Marco Silvaa", "phone": "(312) 555-0042", "observed": "y"}
            found = identifiers_of(new, "US")
            digests = {(k, hasher(v)) for k, v in found}
            names = {v for k, v in found if k == "name"}
            timings = {}
            for label, use_names in (("hash", set()), ("fuzzy", names)):
                with db.session() as s:
                    probe = Tip(
                        number=10**8,
                        submitter_id=submitter.id,
                        source="hotline",
                        urgency="routine",
                        observed="y",
                        created_at=now,
                    )
                    s.add(probe)
                    s.flush()
                    start = time.perf_counter()
                    for _ in range(repeats):
                        find_possible_matches(s, probe, digests, use_names, 88)
                    timings[label] = (time.perf_counter() - start) / repeats * 1000
                    s.rollback()
            print(
                f"{size:>12} {timings['hash']:>13.2f} {timings['fuzzy']:>14.2f} {timings['fuzzy'] / timings['hash']:>6.1f}"
            )
        db.dispose()


if __name__ == "__main__":
    main()
