"""Imports every module that defines tables, so ``Base.metadata`` is complete.

Feature modules add one line here (and their own alembic branch in ``storage/migrations``).
"""

from storage import models  # noqa: F401
from storage import releases  # noqa: F401
