"""Session fixtures for the Matrix integration tests: one real Synapse for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.matrix.synapse import SynapseServer, synapse_available


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.synapse)
            if not synapse_available():
                item.add_marker(pytest.mark.skip(reason="matrix-synapse is not installed (pip install matrix-synapse)"))


# The contract modules import this fixture by name; pytest then registers one session fixture per
# importing module, which would start one Synapse each. They all share this one server instead; it
# stops when the last of them is torn down (all at the end of the session).
_shared: list[SynapseServer] = []
_users = 0


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    global _users
    if not _shared:
        server = SynapseServer(tmp_path_factory.mktemp("synapse"))
        server.start()
        _shared.append(server)
    _users += 1
    try:
        yield _shared[0]
    finally:
        _users -= 1
        if _users == 0:
            _shared.pop().stop()
