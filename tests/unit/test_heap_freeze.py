"""After the engine is warm the heap is frozen once (``bot.app.freeze_the_heap``): full garbage collections no
longer walk the loaded model, which stopped the event loop for 160-630 ms at a time under load."""

from __future__ import annotations

import gc

import pytest

import bot.app


def test_the_heap_is_frozen_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.app, "_frozen", False)
    collections: list[int] = []
    real_collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(1) or real_collect(*a))
    try:
        bot.app.freeze_the_heap()
        assert gc.get_freeze_count() > 0
        bot.app.freeze_the_heap()  # a second app in the same process (tests, benchmarks): nothing more
        assert collections == [1]
    finally:
        gc.unfreeze()  # the rest of the test session as before
