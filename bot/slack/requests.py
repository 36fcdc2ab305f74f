"""Is an inbound Slack request well formed? Checked before Bolt sees it.

Bolt parses the body while it builds its request object and assumes Slack's shapes further on: an
invalid JSON body, bytes that are not UTF-8, a JSON array, ``actions: []`` or a payload without a user
made it raise, answer 500 and log a traceback (with the body in it). These checks run after the
signature check (only a holder of the signing secret gets this far) and return a short reason —
never any part of the body — or None when the request can go on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def raw_body_problem(raw: bytes, content_type: str) -> str | None:
    """Encoding and top-level structure of an HTTP body, by content type."""
    return parse_raw_body(raw, content_type)[1]


def parse_raw_body(raw: bytes, content_type: str) -> tuple[dict[str, Any], str | None]:
    """The payload of an HTTP body as Bolt reads it (JSON; a form's ``payload`` field as JSON; else the
    form's fields) and what is wrong with it, if anything (then the payload is empty). Parsed once
    here and handed to Bolt (``SlackPlatform._acknowledge``), which would otherwise parse it again —
    and reads a form with "payload" anywhere in it, such as a slash command's text, as an empty one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {}, "body is not UTF-8"
    if content_type == JSON:
        try:
            body = json.loads(text)
        except ValueError:
            return {}, "body is not valid JSON"
        if not isinstance(body, dict):
            return {}, "JSON body is not an object"
        return _checked(body)
    if content_type == FORM:
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict"))
        except (ValueError, UnicodeDecodeError):
            return {}, "form body could not be parsed"
        if "payload" in fields:
            try:
                payload = json.loads(fields["payload"])
            except ValueError:
                return {}, "payload is not valid JSON"
            if not isinstance(payload, dict):
                return {}, "payload is not a JSON object"
            return _checked(payload)
        if "ssl_check" in fields:
            return fields, None
        return _checked(fields)
    return {}, "unsupported content type"


def _checked(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    problem = payload_problem(body)
    return ({}, problem) if problem is not None else (body, None)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def payload_problem(body: Any) -> str | None:
    """What a payload of its kind must carry (both HTTP and Socket Mode payloads)."""
    if not isinstance(body, Mapping):
        return "payload is not an object"
    if "command" in body:
        if not (_text(body.get("command")) and str(body["command"]).startswith("/")):
            return "command has no name"
        for key in ("user_id", "channel_id"):
            if not _text(body.get(key)):
                return f"command without {key}"
        if not isinstance(body.get("text", ""), str):
            return "command text is not text"
        return None
    if body.get("ssl_check"):
        return None
    kind = body.get("type")
    if not _text(kind):
        return "payload has no type"
    if kind == "url_verification":
        return None if _text(body.get("challenge")) else "url_verification without challenge"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, Mapping) or not _text(event.get("type")):
            return "event_callback without an event"
        if not _text(body.get("event_id")):
            return "event_callback without event_id"
        for key in ("user", "channel", "text", "ts", "thread_ts", "subtype"):
            if key in event and event[key] is not None and not isinstance(event[key], str):
                return f"event field {key} is not text"
        for key in ("message", "previous_message"):
            if key in event and not isinstance(event[key], Mapping):
                return f"event field {key} is not an object"
        return None
    if kind in ("block_actions", "interactive_message", "view_submission", "view_closed",
                "shortcut", "message_action", "block_suggestion"):
        user = body.get("user")
        if not isinstance(user, Mapping) or not _text(user.get("id")):
            return f"{kind} without a user"
        if kind == "block_actions":
            actions = body.get("actions")
            if not isinstance(actions, list) or not actions:
                return "block_actions without actions"
            if not all(isinstance(a, Mapping) and _text(a.get("action_id")) for a in actions):
                return "block_actions with an action lacking action_id"
        if kind.startswith("view_"):
            view = body.get("view")
            if not isinstance(view, Mapping) or not _text(view.get("type")) or not isinstance(
                view.get("callback_id"), str
            ):
                return f"{kind} without a view"
        for key in ("channel", "container", "message", "team"):
            if key in body and body[key] is not None and not isinstance(body[key], Mapping):
                return f"{key} is not an object"
        return None
    if kind == "app_rate_limited":
        return None
    return "unknown payload type"
