"""Pure translation between the neutral vocabulary and Slack Block Kit (no I/O, no SDK calls).

Kept free of network code so every rendering rule is unit-testable and the same functions serve
both Socket Mode and HTTP mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.forms import FieldKind, Form, FormField, RawValue
from bot.platform import Button, ButtonStyle, Message

#: Slack limits (https://api.slack.com/reference/block-kit): exceeding them makes the call fail
#: with ``invalid_blocks``, so we clip labels rather than lose the message.
SECTION_TEXT_LIMIT = 3000
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_BLOCK = 25
MODAL_TITLE_LIMIT = 24
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
OPTIONS_LIMIT = 100

#: Element action id inside every input block; the block id is the field key.
INPUT_ACTION_ID = "value"
#: Suffix of the second (time) block of a DATETIME field: Slack's datetimepicker returns a UTC epoch
#: in the viewer's zone, but handlers expect the wall-clock time the member typed (they apply the
#: task force time zone), so a date block plus a time block keep what the member meant.
TIME_SUFFIX = "__time"
#: action_id of the button the adapter posts when a form must be opened without a trigger id.
OPEN_FORM_ACTION = "ntk.open_form"


def escape(text: str) -> str:
    """Escape ``& < >`` so text can never smuggle ``<!channel>`` pings or fake links into a post."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: ``<target>`` or ``<target|label>`` in text Slack sends us (links, e-mails, mentions, ``<!here>``).
_SLACK_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(slack_text: str) -> str:
    """Inbound message or slash-command text as the member typed it.

    Slack sends ``&``, ``<`` and ``>`` as ``&amp;`` ``&lt;`` ``&gt;`` and wraps links, e-mails and
    mentions in ``<...>``. Handlers (and the PII engine) must see the typed text: otherwise a
    repost shows ``&amp;amp;``, an e-mail is found twice inside ``<mailto:...|...>``, and a mention
    reposted as text shows as raw markup. Link targets are kept, so nothing in a URL escapes the scan.
    """

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):  # <@U123> or <@U123|name>
            return "@" + (label or target[1:])
        if target.startswith("#"):  # <#C123|general>
            return "#" + (label or target[1:])
        if target.startswith("!"):  # <!here>, <!subteam^S123|@team>, <!date^...|fallback>
            return label or "@" + target[1:].split("^", 1)[0]
        if target.startswith(("mailto:", "tel:")):
            return label or target.split(":", 1)[1]
        return target if not label or label == target else f"{label} ({target})"

    text = _SLACK_MARKUP.sub(unwrap, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


#: Attachment fields a client shows for a shared message or a message link's preview.
_SHARED_TEXT_FIELDS = ("pretext", "title", "text", "footer")


def visible_text(message: Mapping[str, Any]) -> str:
    """What members see of a member's message, as typed: its ``text``, the names and titles of the
    files it shares (a ``file_share`` shows them on the file's tile, the text being the caption),
    and the text Slack copies into it from another message (a shared message, or the preview of a
    pasted message link): those can carry PII from a DM or a private channel into this one.

    Previews of outside web pages (``from_url`` without ``is_msg_unfurl``) are not the member's
    words and are left out.
    """
    parts = [plain_text(str(message.get("text") or ""))]
    files = message.get("files")
    for file in files if isinstance(files, list) else ():
        if isinstance(file, Mapping):
            parts += [str(file[k]) for k in ("title", "name") if isinstance(file.get(k), str) and file[k]]
    attachments = message.get("attachments")
    for item in attachments if isinstance(attachments, list) else ():
        if not isinstance(item, Mapping) or not (item.get("is_share") or item.get("is_msg_unfurl")):
            continue
        parts += [plain_text(item[k]) for k in _SHARED_TEXT_FIELDS if isinstance(item.get(k), str) and item[k]]
        fields = item.get("fields")
        for field in fields if isinstance(fields, list) else ():
            if isinstance(field, Mapping):
                parts += [plain_text(str(field[k])) for k in ("title", "value") if isinstance(field.get(k), str)]
    seen: set[str] = set()
    kept = []
    for part in parts:
        if part.strip() and part.strip() not in seen:
            seen.add(part.strip())
            kept.append(part)
    return "\n\n".join(kept)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit) or " ", "emoji": True}


def button_action_id(action_id: str, index: int) -> str:
    """Slack requires action ids unique within a message; the index suffix makes them so."""
    return f"{action_id}#{index}"


def neutral_action_id(slack_action_id: str) -> str:
    """Undo ``button_action_id``: ``tips.ack#0`` -> ``tips.ack``."""
    head, sep, tail = slack_action_id.rpartition("#")
    return head if sep and tail.isdigit() else slack_action_id


def message_payload(message: Message | str) -> dict[str, Any]:
    """``chat.postMessage`` / ``chat.postEphemeral`` arguments (``text`` plus ``blocks``).

    ``text`` stays as the notification fallback; ``blocks`` carry the same text (split into sections
    that fit Slack's limit) and the buttons.
    """
    msg = Message.of(message)
    text = escape(msg.text)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _chunks(text, SECTION_TEXT_LIMIT)
    ]
    for start in range(0, len(msg.buttons), BUTTONS_PER_BLOCK):
        elements = [
            _button(b, start + i) for i, b in enumerate(msg.buttons[start : start + BUTTONS_PER_BLOCK])
        ]
        blocks.append({"type": "actions", "elements": elements})
    return {"text": text, "blocks": blocks}


def _chunks(text: str, limit: int) -> Iterable[str]:
    if not text:
        yield " "
        return
    while text:
        if len(text) <= limit:
            yield text
            return
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        yield text[:cut]
        text = text[cut:].lstrip("\n")


def _button(button: Button, index: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": button_action_id(button.action_id, index),
        "text": _plain(button.label, BUTTON_LABEL_LIMIT),
    }
    if button.value:
        element["value"] = button.value
    if button.style is not ButtonStyle.DEFAULT:
        element["style"] = button.style.value
    return element


def open_form_button(form: Form) -> Button:
    """A button that opens ``form`` when pressed (a press carries the trigger id a modal needs)."""
    value = json.dumps({"f": form.form_id, "c": form.context}, separators=(",", ":"))
    return Button(OPEN_FORM_ACTION, _clip(form.title, BUTTON_LABEL_LIMIT), value, ButtonStyle.PRIMARY)


def parse_open_form_value(value: str) -> tuple[str, str] | None:
    try:
        data = json.loads(value)
        return str(data["f"]), str(data.get("c", ""))
    except (ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------------------------------
# Forms <-> modals


def modal_view(form: Form, *, channel_id: str | None = None) -> dict[str, Any]:
    """Render ``form`` as a modal. ``callback_id`` is the form id, ``private_metadata`` carries the
    handler's (non-sensitive) context and the channel the form was opened from."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(escape(form.intro), 3000)}})
    for f in form.fields:
        blocks.extend(_input_blocks(f))
    metadata = json.dumps({"context": form.context, "channel": channel_id}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _plain(form.title, MODAL_TITLE_LIMIT),
        "submit": _plain(form.submit_label, MODAL_TITLE_LIMIT),
        "close": _plain("Cancel"),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _input_blocks(f: FormField) -> list[dict[str, Any]]:
    def block(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
        element["action_id"] = INPUT_ACTION_ID
        out: dict[str, Any] = {
            "type": "input",
            "block_id": block_id,
            "label": _plain(label, 2000),
            "optional": not f.required,
            "element": element,
        }
        if f.help:
            out["hint"] = _plain(f.help, 2000)
        return out

    options = [
        {"text": _plain(c.label, OPTION_TEXT_LIMIT), "value": _clip(c.value, OPTION_VALUE_LIMIT)}
        for c in f.choices[:OPTIONS_LIMIT]
    ]
    kind = f.kind
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        element: dict[str, Any] = {"type": "plain_text_input", "multiline": kind is FieldKind.LONG_TEXT}
        if f.max_length is not None:
            element["max_length"] = min(f.max_length, 3000)
        return [block(f.key, f.label, element)]
    if kind is FieldKind.CHOICE:
        return [block(f.key, f.label, {"type": "static_select", "options": options})]
    if kind is FieldKind.MULTI_CHOICE:
        return [block(f.key, f.label, {"type": "multi_static_select", "options": options})]
    if kind is FieldKind.DATE:
        return [block(f.key, f.label, {"type": "datepicker"})]
    if kind is FieldKind.DATETIME:
        return [
            block(f.key, f"{f.label} (date)", {"type": "datepicker"}),
            block(f.key + TIME_SUFFIX, f"{f.label} (time)", {"type": "timepicker"}),
        ]
    if kind is FieldKind.NUMBER:
        element = {"type": "number_input", "is_decimal_allowed": True}
        if f.min_value is not None:
            element["min_value"] = f"{f.min_value:g}"
        if f.max_value is not None:
            element["max_value"] = f"{f.max_value:g}"
        return [block(f.key, f.label, element)]
    if kind is FieldKind.YES_NO:
        yes_no = [{"text": _plain("Yes"), "value": "yes"}, {"text": _plain("No"), "value": "no"}]
        return [block(f.key, f.label, {"type": "radio_buttons", "options": yes_no})]
    raise ValueError(f"unsupported field kind for {f.key}")  # pragma: no cover


def _element_value(element: Mapping[str, Any]) -> RawValue:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        selected = element.get("selected_option") or {}
        return selected.get("value")
    if kind == "multi_static_select":
        return [o.get("value", "") for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    value = element.get("value")
    return value if isinstance(value, str) else None


def raw_answers(form: Form, view: Mapping[str, Any]) -> dict[str, RawValue]:
    """Raw answers (strings / lists of strings) from a submitted modal, keyed by field key."""
    values: Mapping[str, Mapping[str, Any]] = view.get("state", {}).get("values", {})

    def get(block_id: str) -> RawValue:
        element = values.get(block_id, {}).get(INPUT_ACTION_ID)
        return _element_value(element) if element else None

    raw: dict[str, RawValue] = {}
    for f in form.fields:
        value = get(f.key)
        if f.kind is FieldKind.DATETIME:
            time = get(f.key + TIME_SUFFIX)
            value = " ".join(str(p) for p in (value, time) if p) or None
        raw[f.key] = value
    return raw


def view_errors(form: Form, errors: Mapping[str, str]) -> dict[str, str]:
    """Map ``{field_key: message}`` to ``{block_id: message}`` for ``response_action: errors``;
    errors for keys the modal has no block for land on the first field so none is lost."""
    keys = {f.key for f in form.fields}
    out: dict[str, str] = {}
    for key, message in errors.items():
        block = key if key in keys else (form.fields[0].key if form.fields else key)
        out[block] = _clip(f"{out[block]} {message}" if block in out else message, 2000)
    return out


def view_metadata(view: Mapping[str, Any]) -> tuple[str, str | None]:
    """(context, channel id) from a submitted modal's ``private_metadata``."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
        return str(data.get("context") or ""), data.get("channel") or None
    except (ValueError, AttributeError):
        return "", None


def home_view(summary: str) -> dict[str, Any]:
    """The App Home tab: the member's own open items as the core summarised them."""
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": _plain("Your open items", 150)},
            *[
                {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                for chunk in _chunks(escape(summary), SECTION_TEXT_LIMIT)
            ][:99],
        ],
    }
