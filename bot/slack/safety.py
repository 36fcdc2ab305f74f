"""Keep message content out of logs, and handle each Slack delivery once.

Bolt and slack-sdk log request bodies in a few places (an invalid signature at INFO, listener errors,
every Web API call at DEBUG). A survivor's details can be in those bodies, so the adapter gives Bolt
and the Web API client a logger carrying ``ScrubFilter``, which rewrites each record to the part of
the message before any payload and drops the exception text (Slack API errors quote the response).
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict

LOGGER_NAME = "needtoknow.slack.sdk"

# Anything from the first of these on may be payload, body, token or message text.
# SDK messages are f-strings such as ``Error: {error}`` or ``... (body: {body})``: keep the words
# before the first separator, which name what happened, and drop the rest.
_CUT = re.compile(r"[:{\[(\n=\"']|body|payload|text|token|xox|xapp|signature|value", re.I)


def scrub(text: str) -> str:
    match = _CUT.search(text)
    if match is None:
        return text
    return text[: match.start()].rstrip(" :,(") + " [details withheld]"


class ScrubFilter(logging.Filter):
    """Drop DEBUG records (they carry whole requests) and strip payloads from the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not take logging down
            message = str(record.msg)
        scrubbed = scrub(message)
        if record.exc_info and record.exc_info[0] is not None:
            scrubbed += f" ({record.exc_info[0].__name__})"
        record.msg = scrubbed
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class ExpectedNoticeFilter(logging.Filter):
    """Drops Bolt's warnings about choices the adapter makes on purpose, which would otherwise be a WARNING
    line at every start: it hands Bolt its own Web API client (connection pool, retries) while
    ``SLACK_BOT_TOKEN`` is set, so Bolt says the token "will be unused" (``authorize`` supplies it)."""

    EXPECTED = ("As you gave `client` as well, `token` will be unused.",)

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg in self.EXPECTED)


def sdk_logger() -> logging.Logger:
    """The logger handed to Bolt, the Web API client and the Socket Mode client."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, ExpectedNoticeFilter) for f in logger.filters):
        logger.addFilter(ExpectedNoticeFilter())  # before the scrubber, which rewrites the message
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())
    logger.setLevel(logging.INFO)
    # Loggers the SDKs create on their own (not from the logger we pass) inherit these.
    for name in ("slack_bolt", "slack_sdk"):
        lib = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in lib.filters):
            lib.addFilter(ScrubFilter())
        if lib.level == logging.NOTSET or lib.level < logging.WARNING:
            lib.setLevel(logging.WARNING)
    return logger


class SeenKeys:
    """A bounded, time-limited memory of keys already handled (event ids, request signatures).

    Slack retries an event when it did not see our 200 within 3 seconds, and an attacker may replay a
    captured signed request within the 5-minute signature window; both are dropped by remembering the
    key for ``ttl`` seconds. In-memory, so it protects one process: across replicas the database-backed
    event ledger (``bot/slack/ledger.py``) decides.
    """

    def __init__(self, *, ttl: float = 600.0, limit: int = 50_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._ttl = ttl
        self._limit = limit

    def first_time(self, key: str, *, now: float | None = None) -> bool:
        """Record ``key``; True the first time it is seen within ``ttl``, False afterwards."""
        now = time.monotonic() if now is None else now
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self._ttl and len(self._seen) < self._limit:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def remember(self, key: str, *, now: float | None = None) -> None:
        """Record ``key`` (whether or not it was seen before)."""
        self.first_time(key, now=now)

    def __contains__(self, key: object) -> bool:
        at = self._seen.get(key) if isinstance(key, str) else None
        return at is not None and time.monotonic() - at <= self._ttl

    def __len__(self) -> int:
        return len(self._seen)
