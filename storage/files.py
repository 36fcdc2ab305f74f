"""Files that hold secrets or the database: created 0600 in a folder created 0700.

The SQLite database (and its ``-wal``/``-shm`` files, which SQLite creates with the database file's
mode), the key file and the audit checkpoint file are readable by whoever can read the file: a
world-readable database gives every local account the references, times and ciphertexts, and a
world-readable key file gives them the plaintext. Nothing here changes the mode of an existing
file (a backup agent may rely on a group bit); ``needtoknow doctor`` and start-up warn instead,
with the ``chmod`` to run.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# os.umask is process-wide: serialise the few places that create files under a tight umask.
_UMASK_LOCK = threading.Lock()


@contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created inside get no group or other bits (umask 077)."""
    with _UMASK_LOCK:
        old = os.umask(0o077)
        try:
            yield
        finally:
            os.umask(old)


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700. An existing folder is left as it is."""
    if path.exists():
        return
    with private_umask():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def create_private_file(path: Path) -> bool:
    """Create an empty file with mode 0600 (folder 0700) unless it exists. Returns True if created.

    For SQLite: an empty file is a valid empty database, and SQLite gives the ``-wal`` and ``-shm``
    files it creates later the same mode as the database file."""
    private_dir(path.parent)
    try:
        with private_umask():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def sqlite_files(database: Path) -> list[Path]:
    """The database file and the journal files SQLite keeps beside it."""
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")]


def mode_warnings(files: Iterable[Path], folders: Iterable[Path] = ()) -> list[str]:
    """One line per existing file wider than 0600 or folder wider than 0700, with the fix."""
    out: list[str] = []
    for path, allowed, fix in [
        *((f, 0o600, "600") for f in files),
        *((d, 0o700, "700") for d in folders),
    ]:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~allowed & 0o777:
            who = "others" if mode & 0o007 else "its group"
            out.append(f"{path} is mode {mode:04o} (open to {who}): chmod {fix} {path}")
    return out
