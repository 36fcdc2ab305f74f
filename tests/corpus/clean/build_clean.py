"""Build the clean-message corpus ``tests/corpus/clean/clean.jsonl`` (messages without PII, for false alarms).

Two sources: ``clean_handwritten.txt`` (one message per line, ``#`` comments, literal ``\\n`` for a newline) and
messages composed from the phrase lists below with a fixed seed: agendas and numbered lists ("(3)", "2."),
schedules, case and operation codes ("Kill-1", "OP-3", "C-1187"), agency talk, hotline numbers, "Routine update
..." openers. Every row has ``spans: []``; ``split`` is dev or test by the sha256 of the text (as
``build_heldout.py``): rules may be tuned on ``dev`` misses only, ``test`` is the held-out half.

    /work/main/.venv/bin/python tests/corpus/clean/build_clean.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "clean.jsonl"
SEED = 20261206
COUNT = 360

OPENERS = [
    "Routine update", "Quick update", "Reminder", "Heads up", "Status", "Update", "Note", "Morning all", "FYI",
    "Summary", "Recap", "Agenda", "Schedule", "Follow-up", "Weekly digest", "Notice", "Correction", "Housekeeping",
    "Scheduling", "Logistics", "Planning", "Admin", "Update from intake", "Night shift recap", "Team note",
]  # fmt: skip
TOPICS = [
    "intake backlog", "shelter beds", "training dates", "grant reporting", "court prep", "outreach schedule",
    "interpreter coverage", "case review", "evidence room inventory", "vehicle sign-out", "budget lines",
    "partner roundtable", "records requests", "data retention", "the resource map", "on-call rotation",
    "flyer printing", "hotline volume", "screening protocol", "the MOU renewal", "laptop refresh", "VPN outage",
]  # fmt: skip
CODES = [
    "Kill-1", "Kill-2", "OP-3", "OP-14", "C-1187", "T-0042", "R-12", "NTK-2041", "Alpha-7", "Bravo-2", "Phase-2",
    "Unit-5", "Batch-12", "Sweep-4", "Team-3", "Zone-9", "Sector-11", "Form-88", "Rev-3", "Step-2", "Op-Sunrise",
    "2026-CR-0412", "CV-22-118", "I-914", "T-Visa", "HR-7", "Case 41", "Item 7", "Wave-3", "Lane-6",
]  # fmt: skip
AGENCIES = ["HSI", "FBI", "DFPS", "CPS", "USAO", "DA's office", "the sheriff's office", "CBP", "DOL", "the NGO",
            "victim services", "the county", "state police", "the shelter", "Polaris", "the clinic"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "tomorrow", "next week"]
TIMES = ["9am", "10:30", "2pm", "0900", "1400", "noon", "3:15pm", "16:00", "8 am", "the afternoon"]
HOTLINES = ["1-888-373-7888", "text 233733", "988", "911", "211", "1-800-422-4453", "1-800-799-7233"]
ROLES = ["the duty officer", "the team lead", "the caseworker on call", "the intake coordinator", "legal",
         "the analyst", "the interpreter desk", "IT", "the night shift", "the supervisor"]  # fmt: skip


def _list_message(rng: random.Random) -> str:
    items = rng.sample(TOPICS, rng.randint(3, 5))
    style = rng.choice(["({n}) {t}", "{n}. {t}", "{n}) {t}", "- {t}", "#{n} {t}"])
    joiner = rng.choice([" ", "\n", "; "])
    head = rng.choice(["Agenda", "Action items", "Items for today", "Open items", "Checklist", "Topics"])
    body = joiner.join(style.format(n=i + 1, t=t) for i, t in enumerate(items))
    return f"{head}{rng.choice([':', ' -', ''])}{joiner if joiner == chr(10) else ' '}{body}"


def _message(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return _list_message(rng)
    if kind == 1:
        return (f"{rng.choice(OPENERS)}: {rng.choice(TOPICS)} moved to {rng.choice(DAYS)} at {rng.choice(TIMES)}, "
                f"room {rng.randint(100, 420)}.")  # fmt: skip
    if kind == 2:
        return (f"{rng.choice(OPENERS)} ({rng.randint(1, 9)}): {rng.choice(CODES)} is "
                f"{rng.choice(['closed', 'on hold', 'reassigned', 'still open', 'pending lab results'])}; "
                f"{rng.choice(CODES)} {rng.choice(['starts', 'resumes', 'wraps up'])} {rng.choice(DAYS)}.")
    if kind == 3:
        return (f"{rng.choice(AGENCIES)} and {rng.choice(AGENCIES)} agreed on {rng.choice(TOPICS)}; "
                f"{rng.choice(ROLES)} will confirm by {rng.choice(DAYS)}.")
    if kind == 4:
        return (f"For after-hours tips use {rng.choice(HOTLINES)}; {rng.choice(ROLES)} checks the queue at "
                f"{rng.choice(TIMES)}.")
    if kind == 5:
        n = rng.randint(2, 40)
        return (f"{rng.choice(OPENERS)}: {n} tips this week, {rng.randint(0, n)} referred, "
                f"{rng.randint(0, 5)} pending (see {rng.choice(CODES)}).")
    if kind == 6:
        return (f"{rng.choice(CODES)} and {rng.choice(CODES)} sweeps are "
                f"{rng.choice(['postponed', 'done', 'on track', 'cancelled'])}; debrief {rng.choice(DAYS)} "
                f"{rng.choice(TIMES)}.")
    if kind == 7:
        return (f"{rng.choice(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])} {rng.choice(TIMES)} {rng.choice(TOPICS)}, "
                f"{rng.choice(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])} {rng.choice(TIMES)} {rng.choice(TOPICS)}, "
                f"step {rng.randint(1, 6)} of the SOP after that.")
    return (f"{rng.choice(OPENERS)} - {rng.choice(ROLES)} needs {rng.randint(2, 6)} people for "
            f"{rng.choice(TOPICS)} ({rng.choice(TIMES)}-{rng.choice(TIMES)}), budget line {rng.randint(1, 9)}."
            f"{rng.randint(1, 9)}.")


def build() -> list[dict[str, object]]:
    texts: list[tuple[str, str]] = []
    for line in (HERE / "clean_handwritten.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            texts.append((line.replace("\\n", "\n"), "handwritten"))
    rng = random.Random(SEED)
    while len(texts) < COUNT + 64:
        texts.append((_message(rng), "composed"))
    rows, seen = [], set()
    for text, source in texts:
        if text in seen:
            continue
        seen.add(text)
        split = "dev" if hashlib.sha256(text.encode()).digest()[0] & 1 == 0 else "test"
        rows.append({"id": f"k{len(rows) + 1:04d}", "text": text, "spans": [], "split": split, "set": "clean",
                     "source": source})  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify clean.jsonl is up to date")
    args = parser.parse_args()
    rows = build()
    out = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.check:
        return 0 if OUT.read_text(encoding="utf-8") == out else 1
    OUT.write_text(out, encoding="utf-8")
    print(f"{len(rows)} clean messages -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
