"""The command router: neutral events in, the handler that owns them called.

Each ``handlers/`` module exposes ``register(router)`` and declares what it owns:

* ``@router.command("tip", summary=..., usage=...)`` — a slash/bang/console command;
* ``@router.action("tips.")`` — button presses whose ``action_id`` starts with the prefix;
* ``@router.form("tips.new", build=...)`` — submissions of a form id, and how to build that form
  (adapters re-build it to validate raw answers, so validation works across replicas);
* ``@router.on_message`` — every posted or edited message (the PII guard);
* ``@router.on_home`` — a member's home view / summary.

Adapters never call handlers directly: they call ``App.dispatch`` / ``App.submit_form``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    HomeOpened,
    MessageEdited,
    MessagePosted,
)
from bot.forms import Form
from bot.platform import UserRef

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E, "Context"], Awaitable[None]]
FormBuilder = Callable[["Context", UserRef, str], Form]
# A scheduled-item handler: runs inside the sweep's transaction and only writes (outbox rows,
# follow-up items); it must not call the platform. See storage/schedule.py.
JobHandler = Callable[[Any, Any, "Context"], None]
SummaryHandler = Callable[["Context"], Awaitable[str]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    summary: str
    usage: str
    handler: Callable[[CommandInvoked, Context], Awaitable[None]]
    # The first words the command treats as subcommands (``tip ack``, ``release check``); every one
    # has a row of its own in the policy table (handlers/policy.py).
    subcommands: tuple[str, ...] = ()
    # The text the handler will scan for PII, from the command's arguments (``/preview``), when it scans one:
    # the adapter announces it as the command waits for a handler thread, so the texts of a burst are scanned
    # in one batch (``App.scan_ahead``). A guess only: a text the handler does not scan is scanned for nothing.
    scans: Callable[[str], str] | None = None


@dataclass
class Router:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, Callable[[ButtonPressed, Context], Awaitable[None]]] = field(default_factory=dict)
    # The button action ids each prefix handles (``tips.`` -> ``tips.ack``, ...): the policy table
    # has a row for each, and a test fails for any id without one.
    action_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    forms: dict[str, Callable[[FormSubmitted, Context], Awaitable[None]]] = field(default_factory=dict)
    form_builders: dict[str, FormBuilder] = field(default_factory=dict)
    message_listeners: list[Callable[[MessagePosted | MessageEdited, Context], Awaitable[None]]] = field(
        default_factory=list
    )
    home_listeners: list[Callable[[HomeOpened, Context], Awaitable[None]]] = field(default_factory=list)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    settings_parsers: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    summaries: list[SummaryHandler] = field(default_factory=list)

    def command(
        self, name: str, *, summary: str, usage: str = "", subcommands: tuple[str, ...] = (),
        scans: Callable[[str], str] | None = None,
    ) -> Callable[[Callable[[CommandInvoked, Context], Awaitable[None]]], Any]:
        def deco(fn: Callable[[CommandInvoked, Context], Awaitable[None]]) -> Any:
            if name in self.commands:
                raise ValueError(f"command {name!r} registered twice")
            self.commands[name] = CommandSpec(name, summary, usage or name, fn, tuple(subcommands), scans)
            return fn

        return deco

    def action(
        self, prefix: str, *, ids: tuple[str, ...] = ()
    ) -> Callable[[Callable[[ButtonPressed, Context], Awaitable[None]]], Any]:
        def deco(fn: Callable[[ButtonPressed, Context], Awaitable[None]]) -> Any:
            self.actions[prefix] = fn
            self.action_ids[prefix] = tuple(ids)
            return fn

        return deco

    def form(
        self, form_id: str, *, build: FormBuilder
    ) -> Callable[[Callable[[FormSubmitted, Context], Awaitable[None]]], Any]:
        def deco(fn: Callable[[FormSubmitted, Context], Awaitable[None]]) -> Any:
            self.forms[form_id] = fn
            self.form_builders[form_id] = build
            return fn

        return deco

    def on_message(
        self, fn: Callable[[MessagePosted | MessageEdited, Context], Awaitable[None]]
    ) -> Callable[[MessagePosted | MessageEdited, Context], Awaitable[None]]:
        self.message_listeners.append(fn)
        return fn

    def on_home(
        self, fn: Callable[[HomeOpened, Context], Awaitable[None]]
    ) -> Callable[[HomeOpened, Context], Awaitable[None]]:
        self.home_listeners.append(fn)
        return fn

    def job(self, kind: str) -> Callable[[JobHandler], JobHandler]:
        """``@router.job("release.reminder")``: runs due ``ScheduledItem`` rows of that kind as
        ``fn(item, session, ctx)``."""

        def deco(fn: JobHandler) -> JobHandler:
            if kind in self.jobs:
                raise ValueError(f"job kind {kind!r} registered twice")
            self.jobs[kind] = fn
            return fn

        return deco

    def settings(self, section: str, parse: Callable[[dict[str, Any]], Any]) -> None:
        """Declare a config section the feature owns; ``parse`` raises ValueError naming the key.
        The parsed value is available as ``ctx.settings(section)``."""
        self.settings_parsers[section] = parse

    def summary(self, fn: SummaryHandler) -> SummaryHandler:
        """A feature's part of a member's home view / DM summary (their open items)."""
        self.summaries.append(fn)
        return fn

    def find_action(self, action_id: str) -> Callable[[ButtonPressed, Context], Awaitable[None]] | None:
        best: str | None = None
        for prefix in self.actions:
            if action_id.startswith(prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        return self.actions[best] if best is not None else None
