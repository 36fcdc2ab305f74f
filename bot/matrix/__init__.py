"""Matrix adapter (matrix-nio): ``create_matrix_platform(settings)`` returns a ``MatrixPlatform``
that is both the ``ChatPlatform`` handlers call and the runner (``await platform.run(app)``).

See docs/matrix.md for the bot account, power levels and homeserver settings.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.matrix.platform import MatrixPlatform
from bot.matrix.settings import MatrixSettings
from bot.platform import UserRef

__all__ = ["MatrixPlatform", "MatrixSettings", "create_matrix_platform"]


def create_matrix_platform(
    settings: MatrixSettings, *, is_directory_member: Callable[[UserRef], bool] | None = None
) -> MatrixPlatform:
    """Build the Matrix platform. ``is_directory_member`` decides auto-join on invites; when not
    given, ``run(app)`` looks for the app's directory."""
    return MatrixPlatform(settings, is_directory_member=is_directory_member)
