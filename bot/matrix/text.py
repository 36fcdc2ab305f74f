"""Pure text translation between Matrix message bodies and the neutral vocabulary.

No I/O here, so every rule (command parsing, button menus, reply fallbacks, redaction reasons) is
testable without a homeserver — the sans-I/O habit matrix-nio itself follows.
"""

from __future__ import annotations

import html
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from bot.commands import neutral_command
from bot.forms import FieldKind, FormField
from bot.platform import Button, Message

NEUTRAL_COMMANDS = ("tip", "preview", "release", "operation", "case", "admin", "help")

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣")
_CONFIRM_REACTIONS = {"✅", "👍", "👍️", "✔️"}


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str


def parse_command(text: str, prefix: str, known: Iterable[str]) -> ParsedCommand | None:
    """``!tip some words`` -> ParsedCommand("tip", "some words"); None when not a known command."""
    stripped = text.strip()
    if not stripped.startswith(prefix):
        return None
    head, _, rest = stripped[len(prefix) :].partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    name = head.strip().lower()
    name = neutral_command(name)
    if not name or name not in set(known):
        return None
    return ParsedCommand(name, rest.strip())


def looks_like_command(text: str, prefix: str) -> bool:
    stripped = text.strip()
    return stripped.startswith(prefix) and len(stripped) > len(prefix) and stripped[len(prefix)].isalpha()


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@user> quoted`` lines clients prepend to a reply's body."""
    lines = body.splitlines()
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i and i < len(lines) and not lines[i].strip():
        i += 1
    return "\n".join(lines[i:]).strip() if i else body.strip()


def button_menu(buttons: tuple[Button, ...]) -> str:
    """The text that stands in for buttons: ``Reply 1 to Acknowledge, 2 to Decline (or react 1️⃣ 2️⃣).``"""
    shown = buttons[: len(KEYCAPS)]
    options = ", ".join(f"{i} to {b.label}" for i, b in enumerate(shown, 1))
    keys = " ".join(KEYCAPS[: len(shown)])
    return f"Reply {options} (or react {keys})."


def render(message: Message | str, *, include_menu: bool = True) -> dict[str, str]:
    """Content of an ``m.notice`` for a neutral message: plain body plus light HTML for ``*bold*``."""
    msg = Message.of(message)
    body = msg.text
    if msg.buttons and include_menu:
        body = f"{body}\n\n{button_menu(msg.buttons)}"
    formatted = html.escape(body)
    formatted = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<strong>\1</strong>", formatted)
    formatted = formatted.replace("\n", "<br>")
    return {
        "msgtype": "m.notice",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def choice_from_reply(text: str, buttons: tuple[Button, ...]) -> Button | None:
    """Map a reply ("1", "2.", "Acknowledge") to one of the buttons."""
    answer = text.strip().rstrip(".").strip()
    if answer.isdigit():
        index = int(answer) - 1
        return buttons[index] if 0 <= index < len(buttons) else None
    for button in buttons:
        if answer.lower() == button.label.lower():
            return button
    return None


def choice_from_reaction(key: str, buttons: tuple[Button, ...]) -> Button | None:
    """Map a reaction (1️⃣, 2️⃣, or ✅/👍 for the first option) to a button."""
    key = key.strip()
    if key in KEYCAPS:
        index = KEYCAPS.index(key)
        return buttons[index] if index < len(buttons) else None
    if key in _CONFIRM_REACTIONS and buttons:
        return buttons[0]
    if key.isdigit():
        return choice_from_reply(key, buttons)
    return None


class PendingButtons:
    """Button sets posted by the bot, per room, so a reply or reaction maps back to an action.

    Held in memory only and bounded (oldest dropped first): after a restart, older menus no longer
    respond and the member is told to run the command again. Button values are short references
    by contract (never PII), so nothing sensitive is held here.
    """

    def __init__(self, *, per_room: int = 64, rooms: int = 512) -> None:
        self.per_room = per_room
        self.rooms = rooms
        self._by_room: OrderedDict[str, OrderedDict[str, tuple[Button, ...]]] = OrderedDict()

    def add(self, room_id: str, event_id: str, buttons: tuple[Button, ...]) -> None:
        room = self._by_room.setdefault(room_id, OrderedDict())
        self._by_room.move_to_end(room_id)
        room[event_id] = buttons
        while len(room) > self.per_room:
            room.popitem(last=False)
        while len(self._by_room) > self.rooms:
            self._by_room.popitem(last=False)

    def get(self, room_id: str, event_id: str) -> tuple[Button, ...] | None:
        room = self._by_room.get(room_id)
        return room.get(event_id) if room is not None else None

    def latest(self, room_id: str) -> tuple[str, tuple[Button, ...]] | None:
        room = self._by_room.get(room_id)
        if not room:
            return None
        event_id = next(reversed(room))
        return event_id, room[event_id]

    def __len__(self) -> int:
        return sum(len(r) for r in self._by_room.values())


_SAFE_REASON = re.compile(r"^[A-Za-z ,.;:'()/-]{1,120}$")
DEFAULT_REASON = "Removed by needtoknow: may contain personal information"


def safe_reason(reason: str) -> str:
    """A redaction reason is public and permanent: allow only short wording without digits, ``@``
    or other characters personal data is made of; anything else becomes the generic reason."""
    reason = reason.strip()
    return reason if _SAFE_REASON.match(reason) else DEFAULT_REASON


# -- guided form dialogue -----------------------------------------------------------------------

SKIP_WORDS = {"skip", "-", "none", "n/a"}
CANCEL_WORDS = {"cancel", "stop", "abort"}


def question(f: FormField, number: int, total: int) -> str:
    lines = [f"*{f.label}* ({number}/{total})"]
    if f.help:
        lines.append(f.help)
    if f.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        lines.extend(f"{i}. {c.label}" for i, c in enumerate(f.choices, 1))
        if f.kind is FieldKind.MULTI_CHOICE:
            lines.append("Answer with one or more numbers, separated by commas.")
        else:
            lines.append("Answer with a number or the option's name.")
    elif f.kind is FieldKind.YES_NO:
        lines.append("Answer yes or no.")
    elif f.kind is FieldKind.DATE:
        lines.append("Answer with a date like 2026-03-31.")
    elif f.kind is FieldKind.DATETIME:
        lines.append("Answer with a date and time like 2026-03-31 18:30.")
    if not f.required:
        lines.append("Optional: reply skip to leave it empty.")
    return "\n".join(lines)


def interpret_answer(f: FormField, text: str) -> str:
    """Turn a dialogue reply into the raw value ``Form.validate`` expects (numbers -> choice values)."""
    answer = text.strip()
    if answer.lower() in SKIP_WORDS and not f.required:
        return ""
    if f.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        parts = [p.strip() for p in answer.split(",")] if f.kind is FieldKind.MULTI_CHOICE else [answer]
        values = []
        for part in parts:
            if part.isdigit() and 1 <= int(part) <= len(f.choices):
                values.append(f.choices[int(part) - 1].value)
            else:
                values.append(part)
        return ",".join(values)
    return answer


# -- what the PII guard scans --------------------------------------------------------------------

_MAX_DEPTH = 6


def clean_text(text: str) -> str:
    """Text safe to scan, store and log-free to re-send: JSON allows lone surrogates (``\\ud800``),
    which cannot be encoded as UTF-8 (they would make the handler fail and the PII slip past), and
    PostgreSQL text refuses NUL. Both become U+FFFD; everything else is kept as sent."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


class _TextOf(HTMLParser):
    """The text a client renders from ``formatted_body`` (tags dropped, line breaks kept)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "div", "li", "tr", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append("\n")
        # Link targets and image titles are shown or hovered in clients: PII there is visible too.
        for name, value in attrs:
            if name in ("href", "title", "alt") and value:
                self.parts.append(f" {value} ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(formatted: str) -> str:
    parser = _TextOf()
    try:
        parser.feed(formatted)
        parser.close()
    except Exception:  # the parser is lenient; anything it still refuses is scanned raw
        return formatted
    return "".join(parser.parts)


def _strings(value: object, depth: int = 0) -> list[str]:
    """Every string or number inside a malformed value (a ``body`` that is a list or an object)."""
    if depth > _MAX_DEPTH:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def _norm(text: str) -> str:
    return " ".join(text.split())


def _visible_parts(content: Mapping[str, Any], *, edit_fallback: bool = False) -> list[str]:
    parts: list[str] = []
    body = content.get("body")
    if isinstance(body, str):
        parts.append(body)
    else:
        # Not a string (a list, an object, a number): malformed, but clients may still show some
        # of it, so every string inside is scanned rather than nothing.
        parts.extend(_strings(body))
    formatted = content.get("formatted_body")
    if isinstance(formatted, str):
        parts.append(html_to_text(formatted))
    elif formatted is not None:
        parts.extend(_strings(formatted))
    # A file, image or video with ``filename`` shows that name on its tile and ``body`` as the
    # caption (Matrix 1.10): PII in the file name is visible too.
    parts.extend(_strings(content.get("filename")))
    if edit_fallback:
        # The fallback of an edit starts with "* " by convention.
        parts = [p[2:] if p.startswith("* ") else p for p in parts]
    return parts


def _join_distinct(parts: Iterable[str]) -> str:
    """The parts once each (a formatted body usually repeats the plain one)."""
    seen: set[str] = set()
    kept: list[str] = []
    for part in parts:
        key = _norm(part)
        if key and key not in seen:
            seen.add(key)
            kept.append(part.strip())
    return clean_text("\n\n".join(kept))


def message_text(content: Mapping[str, Any]) -> str:
    """What a member can see of a message: ``body`` plus the text of ``formatted_body`` when it says
    something else (a client renders the HTML, so PII placed only there is visible)."""
    return _join_distinct(_visible_parts(content))


#: Poll starts (stable and MSC3381): clients show the question and every answer.
POLL_START_TYPES = frozenset({"m.poll.start", "org.matrix.msc3381.poll.start"})


_POLL_TEXT_KEYS = frozenset({"body", "question", "answers", "m.text", "org.matrix.msc1767.text", "text"})


def poll_text(content: Mapping[str, Any]) -> str:
    """What a member can see of a poll: the question, every answer and the text fallback (the
    strings under text keys at any depth; answer ids and the poll's kind are not shown)."""

    def texts(value: object, depth: int) -> list[str]:
        if depth > _MAX_DEPTH:
            return []
        if isinstance(value, Mapping):
            found: list[str] = []
            for key, inner in value.items():
                if key in _POLL_TEXT_KEYS and isinstance(inner, str):
                    found.append(inner)
                else:
                    found += texts(inner, depth + 1)
            return found
        if isinstance(value, list | tuple):
            return [s for v in value for s in texts(v, depth + 1)]
        return []

    return _join_distinct(texts(content, 0))


def edit_text(content: Mapping[str, Any]) -> str:
    """What a member can see of an edit (``m.replace``): ``m.new_content`` (what current clients
    show) and the fallback ``body`` (what clients without edit support show), with their HTML."""
    new = content.get("m.new_content")
    parts = _visible_parts(new) if isinstance(new, Mapping) else _strings(new)
    parts += _visible_parts(content, edit_fallback=True)
    return _join_distinct(parts)


# -- fitting the homeserver's event size limit -----------------------------------------------------

# The Matrix spec caps a whole event (envelope, signatures and hashes included) at 65,536 bytes of
# canonical JSON; Synapse answers M_TOO_LARGE above it. The envelope of a room message takes about
# 1-2 KB, so a plain message's content gets 60,000 bytes. In an encrypted room the content travels
# as base64 Megolm ciphertext (4/3 the plaintext, plus the room id and type), so it gets 45,000.
# Both were checked against the test Synapse (tests/integration/matrix/test_sending.py).
CONTENT_BUDGET = 60_000
ENCRYPTED_CONTENT_BUDGET = 45_000
MAX_PARTS = 20
_PART_MARK = "({i}/{n}) "
_SHORTENED = "\n(shortened: the rest did not fit in a chat message)"


def content_size(content: Mapping[str, Any], *, ascii_json: bool = False) -> int:
    """Bytes of ``content`` as the server measures it (compact JSON, UTF-8). ``ascii_json``: as
    matrix-nio serialises it before Megolm encryption (non-ASCII as ``\\uXXXX``, up to 12 bytes
    a character), which is what an encrypted event's size grows with."""
    return len(json.dumps(content, ensure_ascii=ascii_json, separators=(",", ":")).encode("utf-8"))


def _largest_prefix(text: str, fits: Any) -> int:
    """The longest ``n`` with ``fits(text[:n])`` (binary search: rendering is monotonic in length)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid]):
            lo = mid
        else:
            hi = mid - 1
    return lo


def render_parts(
    message: Message | str, budget: int = CONTENT_BUDGET, *, ascii_json: bool = False
) -> list[dict[str, str]]:
    """``render(message)``, split into as few events as fit ``budget`` — counting ``body`` and
    ``formatted_body`` (HTML escaping can make the latter several times longer) and the JSON
    around them. Parts are numbered ``(1/3)``; cuts fall on a line break or space where one is
    near; the button menu goes with the last part. Past ``MAX_PARTS`` the text is shortened and
    says so."""
    msg = Message.of(message)

    def size(content: Mapping[str, Any]) -> int:
        return content_size(content, ascii_json=ascii_json)

    whole = render(msg)
    if size(whole) <= budget:
        return [whole]
    mark_room = len(_PART_MARK.format(i=MAX_PARTS, n=MAX_PARTS))
    chunks: list[str] = []
    rest = msg.text
    while rest:
        if len(chunks) == MAX_PARTS - 1:

            def fits_last(t: str) -> bool:
                return size(render(Message(" " * mark_room + t + _SHORTENED, msg.buttons))) <= budget

            if fits_last(rest):
                chunks.append(rest)
            else:
                chunks.append(rest[: _largest_prefix(rest, fits_last)].rstrip() + _SHORTENED)
            break
        if size(render(Message(" " * mark_room + rest, msg.buttons))) <= budget:
            chunks.append(rest)
            break

        def fits(t: str) -> bool:
            return size(render(Message(" " * mark_room + t), include_menu=False)) <= budget

        cut = max(1, _largest_prefix(rest, fits))
        soft = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if soft > cut * 0.8:
            cut = soft + 1
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    n = len(chunks)
    parts = []
    for i, chunk in enumerate(chunks, 1):
        text = _PART_MARK.format(i=i, n=n) + chunk
        parts.append(render(Message(text, msg.buttons if i == n else ()), include_menu=i == n))
    return parts
