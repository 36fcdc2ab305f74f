"""Imports every module that defines tables, so ``Base.metadata`` is complete.

Feature modules add one line here (and their own alembic branch in ``storage/migrations``).
"""

import storage.pii_guard  # noqa: F401
from storage import (
    deliveries,  # noqa: F401
    models,  # noqa: F401
    operations,  # noqa: F401
    releases,  # noqa: F401
    tips,  # noqa: F401
)
