"""Engine, sessions (unit of work) and migrations.

SQLite is the embedded default: WAL so readers never block the writer, a busy timeout so a second
writer waits instead of failing, foreign keys on, and ``BEGIN IMMEDIATE`` for write transactions so
two processes never both read-then-write the same due row. PostgreSQL is selected by URL and uses
``FOR UPDATE SKIP LOCKED`` for claims (see ``storage.schedule``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.files import create_private_file, mode_warnings, sqlite_files
from storage.models import Counter

log = logging.getLogger(__name__)


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer needtoknow than this one (message is safe to print)."""


MIGRATIONS = Path(__file__).with_name("migrations")
#: How long a session waits for SQLite's single writer before failing as "database unavailable".
SQLITE_BUSY_SECONDS = 30


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) means the database cannot be reached or dropped the
    connection: refused, terminated, timed out, locked — worth retrying later, not a bug. The chat
    platform being unreachable is not a database outage.

    ``IntegrityError``/``DataError``/``ProgrammingError`` are bugs or bad data, never an outage."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(
            current,
            sa_exc.OperationalError
            | sa_exc.InterfaceError
            | sa_exc.DisconnectionError
            | sa_exc.TimeoutError
            | sa_exc.PendingRollbackError,
        ):
            return True
        # A bare ConnectionError is not enough: the chat platform's HTTP client fails the same way
        # when the homeserver or Slack is down, and a handler that stored its record and then could
        # not reply must not be reported as "nothing stored" (the event would be redelivered and the
        # record stored twice). Database drivers' connection errors arrive wrapped in the SQLAlchemy
        # errors above.
        current = current.__cause__ or current.__context__
    return False


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Turns:
    """SQLite's single writer, handed over in order within this process (re-entrant per thread).

    A waiting ``urgent`` session (storing a request that Slack is waiting to see acknowledged) gets
    the next turn; the others get theirs in arrival order. The releasing thread hands the turn to the
    next waiter directly, so a thread that keeps opening sessions (a busy handler) cannot take it
    again ahead of one that has been waiting (a plain lock lets it: with 8 handler threads an ack's
    write waited behind many handler transactions)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._urgent: deque[tuple[int, threading.Event]] = deque()
        self._normal: deque[tuple[int, threading.Event]] = deque()

    def acquire(self, timeout: float, *, urgent: bool = False) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None and not self._urgent and not self._normal:
                self._owner, self._depth = me, 1
                return True
            entry = (me, threading.Event())
            queue = self._urgent if urgent else self._normal
            queue.append(entry)
        if entry[1].wait(timeout):
            return True  # handed over: ``release`` made us the owner
        with self._mutex:
            if entry[1].is_set():
                return True  # handed over just as the wait timed out
            queue.remove(entry)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("Turns.release by a thread that does not hold the turn")
            self._depth -= 1
            if self._depth:
                return
            queue = self._urgent or self._normal
            if queue:
                owner, event = queue.popleft()
                self._owner, self._depth = owner, 1
                event.set()
            else:
                self._owner = None


class Database:
    """One per process. ``session()`` is the unit of work: commit on success, rollback on error."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # hide_parameters: SQL errors must never carry tip text or identifiers into logs.
        kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
        self.sqlite_path: Path | None = None
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                # 0600 in a 0700 folder (SQLite would create it 0644; -wal/-shm copy its mode).
                self.sqlite_path = Path(parsed.database)
                create_private_file(self.sqlite_path)
                for warning in mode_warnings(sqlite_files(self.sqlite_path)):
                    log.warning("database file mode: %s", warning)
            # Sessions are used by one thread at a time (handler threads, the scheduler's worker);
            # a pooled connection moves between threads only between sessions.
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        if not (self.is_sqlite and (not parsed.database or parsed.database == ":memory:")):
            # One connection per handler thread plus the scheduler, outbox, event ledger and /readyz.
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = 10
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._turns: Turns | None = Turns() if self.is_sqlite else None

    @contextmanager
    def session(self, *, urgent: bool = False) -> Iterator[Session]:
        """The unit of work. ``urgent``: on SQLite this session gets the writer before the sessions
        already waiting (for a write that an acknowledgement waits for; see ``Turns``)."""
        if self._turns is None:
            with self._sessions() as s, s.begin():
                yield s
            return
        # SQLite has one writer and every transaction begins IMMEDIATE: threads of this process
        # (handler threads, the scheduler, the event ledger) queue here and get the database as soon
        # as it is free, instead of polling in SQLite's busy handler (which sleeps 1-100 ms between
        # tries: with 8 handler threads that sleeping halved throughput). Other processes still wait
        # on SQLite's own lock (busy timeout 30 s). No session is held across an ``await``.
        # Waits as long as SQLite's busy timeout would, then fails like it (an outage: retried later).
        if not self._turns.acquire(SQLITE_BUSY_SECONDS, urgent=urgent):
            raise sa_exc.TimeoutError("waited too long for the SQLite database (another session holds it)")
        try:
            with self._sessions() as s, s.begin():
                yield s
        finally:
            self._turns.release()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (the acting member's lookup for every event). On SQLite it
        neither queues for the writer nor takes the write lock: under WAL it reads the last committed
        state while another session writes. Writing in it is a bug (it may fail as "locked")."""
        if self._turns is None:
            with self.session() as s:
                yield s
            return
        with self._sessions() as s, s.begin():
            # On SQLite a plain (deferred) BEGIN, which under WAL never waits for the writer
            # (``_sqlite_begin`` below), taken now rather than at the first statement.
            with _deferred_begin():
                s.connection()
            yield s

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """Like ``reading`` without an ORM session, for plain-row statements run for every event (the
        acting member's lookup): a session costs more CPU to open and close than such a statement."""
        with self.engine.connect() as conn:
            if self._turns is None:
                transaction = conn.begin()
            else:
                with _deferred_begin():
                    transaction = conn.begin()
            with transaction:
                yield conn

    def upgrade(self) -> None:
        """Apply every migration (all feature branches: ``heads``), under a database lock so
        replicas starting together on an empty database take turns (the second finds it done).

        Raises ``SchemaTooNew`` (changing nothing) when the database carries a revision this code
        does not know."""
        with self.engine.begin() as conn:
            self.startup_lock(conn)
            self.check_schema(conn)
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def startup_lock(self, conn: Connection | Session) -> None:
        """Serialise start-up work (migrations, first directory seed, key check) across processes
        until the caller's transaction ends. PostgreSQL: a transaction-scoped advisory lock keyed on
        the schema; SQLite: every transaction already begins IMMEDIATE (one writer at a time)."""
        if not self.is_sqlite:
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('needtoknow-startup:' || current_schema()))")
            )

    def check_schema(self, conn: Connection | None = None) -> None:
        """Raise ``SchemaTooNew`` when the database has a migration revision this code lacks."""
        if conn is None:
            with self.engine.connect() as c:
                self.check_schema(c)
            return
        if not inspect(conn).has_table("alembic_version"):
            return
        stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        unknown = sorted(stored - known_revisions())
        if unknown:
            raise SchemaTooNew(
                f"the database schema (revision {', '.join(unknown)}) is newer than this version of needtoknow; "
                "run the newer version (or restore a backup made with this one) — nothing was changed"
            )

    def missing_revisions(self) -> list[str]:
        """The code's migration heads this database has not reached yet (empty when it is up to date,
        or newer: see ``check_schema``)."""
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory.from_config(alembic_config(self.url)).get_heads())
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return sorted(heads)
            stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        return sorted(heads - stored)

    def dispose(self) -> None:
        self.engine.dispose()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (explicit).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        _use_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # IMMEDIATE takes the write lock at BEGIN: a claim (select due rows, mark claimed) can never
    # interleave with another process's claim. Reads are cheap under WAL anyway; a read-only session
    # (``Database.reading``, ``read_connection``) begins deferred and never takes it. The BEGIN is the
    # dialect's own step (SQLAlchemy wraps its errors as for any statement), not a connection event
    # listener: any such listener makes SQLAlchemy dispatch its connection events around every
    # statement of every session (about a tenth of a write transaction's CPU, profiled).
    def _sqlite_begin(dbapi_conn: Any) -> None:
        dbapi_conn.execute("BEGIN" if getattr(_BEGIN, "deferred", False) else "BEGIN IMMEDIATE")

    if BEGIN_BY_LISTENER:
        # The way before (the baseline of ``benchmarks/slack_ack_latency.py --plain``; never in production).
        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN" if getattr(_BEGIN, "deferred", False) else "BEGIN IMMEDIATE")

        return
    engine.dialect.do_begin = _sqlite_begin  # type: ignore[method-assign,assignment]


#: True: SQLite's BEGIN is issued by a connection event listener, as before (a benchmark's baseline only).
BEGIN_BY_LISTENER = False

#: Set on this thread while a read-only transaction begins (``_deferred_begin``).
_BEGIN = threading.local()


@contextmanager
def _deferred_begin() -> Iterator[None]:
    _BEGIN.deferred = True
    try:
        yield
    finally:
        _BEGIN.deferred = False


def _use_wal(cur: Any) -> None:
    """Switch the file to WAL (persistent: once set, every later connection finds it set).

    The switch needs the file to itself, and SQLite answers "database is locked" at once, without
    its busy handler, when another connection holds it, as happens when replicas open a new
    database together. So: look first (reading the mode takes no lock), and retry the switch
    while another connection is busy, for as long as the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    delay = 0.005
    while True:
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def next_reference(session: Session, name: str) -> int:
    """Next number in a named sequence, inside the caller's transaction (T-0042 -> 42)."""
    query = select(Counter).where(Counter.name == name).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            # The first number of a sequence: another replica may insert the row at the same moment
            # (PostgreSQL); the loser's savepoint rolls back and it takes the winner's row, locked.
            with session.begin_nested():
                row = Counter(name=name, value=0)
                session.add(row)
        except IntegrityError:
            row = session.execute(query).scalar_one()
    row.value += 1
    session.flush()
    return row.value
