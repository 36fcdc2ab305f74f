"""Hot statements run straight on SQLite's driver connection, with SQLAlchemy's own type processing.

Every command runs a handful of small statements (the acting member's lookup, the delivery step, the
pending row, its purge item, the audit append). Through SQLAlchemy Core each costs several times what
SQLite takes to run it (about 50-70 us of Python per statement against 5-10 us in ``sqlite3``, profiled
under 50 concurrent ``/preview``), and that Python runs under the one GIL the whole bot shares.

``Plain`` wraps a Core statement built once. On SQLite it compiles the statement once with the
dialect (the same SQL SQLAlchemy would send), keeps the bind and result processors of its column
types (the same ones SQLAlchemy applies: encrypted columns, JSON, datetimes, booleans) and runs it on
the driver connection under the caller's session or connection, in the caller's transaction. So the
values stored and read are exactly what the Core path stores and reads, errors are SQLAlchemy's
(``DBAPIError.instance``: ``OperationalError`` for a locked database, ``IntegrityError`` for a
duplicate, parameters never in the message), and the transaction, its commit and rollback stay the
session's. On any other database, and whenever a connection event listener is installed on the
engine (tests inject faults and crash points through ``before_cursor_execute``), it runs the statement
through SQLAlchemy as before, so such a listener still sees every statement.

Not for statements with expanding (``IN``) parameters or with column defaults computed in Python
that the caller leaves out (an INSERT lists its columns: every call gives each of them); both are
refused when the statement is first run, so a mistake shows in the first test that runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.elements import BindParameter

_Processor = Callable[[Any], Any] | None
_MISSING = object()

#: False: every ``Plain`` runs through SQLAlchemy Core on SQLite too, as before this module (the baseline
#: of ``benchmarks/slack_ack_latency.py --plain``; never set in production).
ON_THE_DRIVER = True


class _Plan:
    """The statement compiled for SQLite: SQL text, its parameters in order, the processors."""

    __slots__ = ("binds", "results", "sql")

    def __init__(self, statement: Executable, dialect: Dialect, columns: Sequence[str]) -> None:
        compiled: Any = cast(ClauseElement, statement).compile(
            dialect=dialect, column_keys=list(columns) if columns else None
        )
        prefetch = [*getattr(compiled, "insert_prefetch", ()), *getattr(compiled, "update_prefetch", ())]
        if prefetch:
            raise ValueError(f"Plain: give every column with a Python default: {[c.key for c in prefetch]}")
        if dialect.paramstyle != "qmark" or compiled.positiontup is None:
            raise ValueError("Plain: SQLite's qmark parameters expected")
        self.sql: str = compiled.string
        binds: list[tuple[str, Any, _Processor]] = []
        for name in compiled.positiontup:
            bind: BindParameter[Any] = compiled.binds[name]
            if bind.expanding:
                raise ValueError("Plain: expanding (IN) parameters are not supported")
            fixed = bind.effective_value if bind.value is not None or bind.callable is not None else _MISSING
            binds.append((name, fixed, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        self.binds = tuple(binds)
        selected = getattr(statement, "selected_columns", None)
        self.results: tuple[_Processor, ...] = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in (selected or ())
        )

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for name, fixed, process in self.binds:
            value = params.get(name, fixed)
            if value is _MISSING:
                raise sa_exc.ArgumentError(f"Plain: a value is required for parameter {name!r}")
            values.append(process(value) if process is not None else value)
        return tuple(values)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(p(v) if p is not None else v for p, v in zip(self.results, raw, strict=True))


class Plain:
    """A Core statement, built once, run on the driver connection on SQLite (see the module doc)."""

    __slots__ = ("_plan", "columns", "statement")

    def __init__(self, statement: Executable, *, columns: Sequence[str] = ()) -> None:
        self.statement = statement
        #: For an INSERT: the columns every call gives values for (the others are left to the database).
        self.columns = tuple(columns)
        self._plan: _Plan | None = None

    def _sqlite(self, conn: Connection) -> tuple[_Plan, Any] | None:
        """The plan and the driver connection when ``conn`` is SQLite, else None."""
        dialect = conn.dialect
        # With a connection event listener installed (the tests' fault injection and crash points watch
        # ``before_cursor_execute``) every statement goes through SQLAlchemy, so the listener sees it.
        if dialect.name != "sqlite" or not ON_THE_DRIVER or conn._has_events or conn.engine._has_events:
            return None
        plan = self._plan
        if plan is None:
            plan = self._plan = _Plan(self.statement, dialect, self.columns)
        return plan, conn.connection.driver_connection

    def _run(self, conn: Connection, plan: _Plan, driver: Any, params: Mapping[str, Any]) -> Any:
        values = plan.parameters(params)
        try:
            return driver.execute(plan.sql, values)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise sa_exc.DBAPIError.instance(
                plan.sql,
                None,
                exc,
                conn.dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=conn.dialect,
            ) from exc

    def rows(self, on: Session | Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row the statement returns (plain tuples, in the statement's column order)."""
        conn = _connection(on)
        sqlite = self._sqlite(conn)
        if sqlite is None:
            return [tuple(r) for r in conn.execute(self.statement, dict(params))]
        plan, driver = sqlite
        return [plan.row(r) for r in self._run(conn, plan, driver, params).fetchall()]

    def first(self, on: Session | Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, or None."""
        conn = _connection(on)
        sqlite = self._sqlite(conn)
        if sqlite is None:
            found = conn.execute(self.statement, dict(params)).first()
            return tuple(found) if found is not None else None
        plan, driver = sqlite
        raw = self._run(conn, plan, driver, params).fetchone()
        return plan.row(raw) if raw is not None else None

    def insert(self, on: Session | Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT of one row; its new integer primary key."""
        conn = _connection(on)
        sqlite = self._sqlite(conn)
        if sqlite is None:
            key = conn.execute(self.statement, dict(params)).inserted_primary_key
            assert key is not None
            return int(key[0])
        plan, driver = sqlite
        if self.columns and len(params) != len(self.columns):
            raise sa_exc.ArgumentError(f"Plain: an INSERT of {sorted(self.columns)} got {sorted(params)}")
        return int(self._run(conn, plan, driver, params).lastrowid)

    def run(self, on: Session | Connection, params: Mapping[str, Any]) -> int:
        """Run an UPDATE, DELETE or INSERT; the rows it changed."""
        conn = _connection(on)
        sqlite = self._sqlite(conn)
        if sqlite is None:
            return int(getattr(conn.execute(self.statement, dict(params)), "rowcount", 0) or 0)
        plan, driver = sqlite
        return int(self._run(conn, plan, driver, params).rowcount)


def _connection(on: Session | Connection) -> Connection:
    """The connection of ``on``'s transaction (a session's begins here when it has not yet)."""
    return on.connection() if isinstance(on, Session) else on
