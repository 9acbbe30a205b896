"""The members' inserts in the background: batch k is written while batch k+1 is read."""

from __future__ import annotations

import datetime
import io
import queue
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing, contextmanager

from django.db import (
    DEFAULT_DB_ALIAS,
    connection,
    connections,
    models,
)
from django.utils import timezone

from registers.imports.base import ROWS_PER_INSERT, chunks
from registers.models import (
    Member,
)

# The columns a new member's row gives, in MemberImporter._create's order.
MEMBER_INSERT_COLUMNS = (
    "unit_id",
    "name",
    "sex",
    "birth_date",
    "group_id",
    "education",
    "occupation",
    "join_date",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
)


def _adapt_for_sqlite(f, value):
    if value is None:
        return None
    if isinstance(f, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(f, models.DateField):
        return connection.ops.adapt_datefield_value(value)
    return value


# The members' inserts in the background. A batch's rows are checked in Python (parsing, two
# HMACs, two encryptions a row) and then inserted; the insert costs the database's own time
# (SQLite's sqlite3_step runs without the GIL, PostgreSQL's COPY in the server process), so batch
# k is inserted by a writer thread while the main thread reads and checks batch k+1. The two
# never use the connection at once: the main thread calls `sync()` before any query of its own.


class BatchWriter:
    """One background thread running one job at a time, handed over through a queue of depth 1.

    `submit(job)` waits for the previous job first, so at most one batch is in flight; `sync()`
    waits for it and raises, in the main thread, whatever it raised (once); `close()` lets the
    thread finish and joins it, also when the main thread is failing, so that the run's
    transaction is never rolled back, nor the connection used, while a job still runs."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=1)
        self._idle = threading.Event()
        self._idle.set()
        self._error: BaseException | None = None  # a job's, until the main thread takes it
        self._failed = False
        self._thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if not self._failed:  # after a failure, the rest would only fail again
                    job()
            except BaseException as error:  # handed to the main thread, raised at its sync
                self._error, self._failed = error, True
            finally:
                self._idle.set()

    def submit(self, job: Callable[[], None]) -> None:
        self.sync()
        self._idle.clear()
        self._jobs.put(job)

    def sync(self) -> None:
        self._idle.wait()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        """Stop and join the thread. A second Ctrl-C while joining still waits for the job (the
        connection is in its hands), then is raised."""
        self._jobs.put(None)
        interrupted: KeyboardInterrupt | None = None
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt as error:
                interrupted = error
        if interrupted is not None:
            raise interrupted


@contextmanager
def background_writer():
    """A BatchWriter for a block: joined when the block ends; on a clean end its last job's
    error, if any, is raised here (inside the run's transaction, which it then rolls back)."""
    writer = BatchWriter()
    try:
        yield writer
    except BaseException as error:
        writer.close()
        try:
            writer.sync()
        except BaseException as also:  # the block's own error wins, and names the writer's
            error.add_note(f"The background insert failed too: {also!r}")
        raise
    else:
        writer.close()
        writer.sync()


def _fields_for_insert(model, columns: tuple[str, ...]) -> tuple[list, list]:
    """The fields given by `columns` (attnames, the primary key among them if wanted), and the
    other concrete fields, which take their defaults (see _defaults)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    given = [by_attname[name] for name in columns]
    rest = [
        f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key
    ]
    return given, rest


def _defaults(rest: list, now: datetime.datetime) -> list:
    return [
        now
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        else f.get_default()
        for f in rest
    ]


class RowSink:
    """Whole rows (given columns, then the defaults of the rest, as `tail()` gives them) into one
    table through the raw DB-API connection, so that the writer thread can send them: Django's
    connection refuses use from another thread.

    SQLite: INSERTs of many rows each (VALUES (?, …), (?, …), … up to ROWS_PER_INSERT rows and
    SQLite's limit of parameters), so that a statement's rows go in with one sqlite3_step, run
    without the GIL. With executemany the writer needed the GIL back after every row to bind
    the next, and waited for it up to the interpreter's switch interval (5 ms) while the main
    thread checked rows: the inserts took longer than in one thread. The raw sqlite3 connection
    takes `?` (Django's cursor turns `%s` into it) and no adapting, so values come adapted as
    Django stores them (dates as ISO text, times through adapt_datetimefield_value), see
    `tail()` and MemberImporter._create.
    PostgreSQL: COPY, the rows formatted by psycopg in the main thread and sent as one block:
    sent row by row, the writer waited for the GIL after each of the buffer's flushes."""

    def __init__(self, model, columns: tuple[str, ...], raw) -> None:
        given, self.rest = _fields_for_insert(model, columns)
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*given, *self.rest))
        table = quote(model._meta.db_table)
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            width = len(given) + len(self.rest)
            limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            self.per_statement = max(1, min(ROWS_PER_INSERT, limit // width))
            self.sql = f"INSERT INTO {table} ({names}) VALUES "
            self.one = f"({', '.join(['?'] * width)})"
            self.statements: dict[int, str] = {}  # by rows: the same few each run, reused
        else:
            self.sql = f"COPY {table} ({names}) FROM STDIN"

    def _insert(self, count: int) -> str:
        if count not in self.statements:
            self.statements[count] = self.sql + ", ".join([self.one] * count)
        return self.statements[count]

    def tail(self) -> tuple:
        """The defaults of the columns not given, auto_now times now, adapted for the raw
        connection: the same for every row of a batch."""
        values = _defaults(self.rest, timezone.now())
        if self.sqlite:
            return tuple(_adapt_for_sqlite(f, v) for f, v in zip(self.rest, values, strict=True))
        return tuple(values)

    def payload(self, raw, rows: list[tuple]) -> list[tuple[str, list]] | bytes:
        """What `send` sends: statements and their parameters, or COPY's text format. In the
        main thread, while no batch is in flight (psycopg formats with the connection's
        adapters)."""
        if not rows:
            return b""
        if self.sqlite:
            return [
                (self._insert(len(part)), [value for row in part for value in row])
                for part in chunks(rows, self.per_statement)
            ]
        from psycopg.copy import Copy, FileWriter

        buffer = io.BytesIO()
        with raw.cursor() as cursor, Copy(cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def send(self, raw, payload: list[tuple[str, list]] | bytes) -> None:
        """Runs in the writer thread, on the raw connection, in the run's transaction."""
        if not payload:
            return
        with closing(raw.cursor()) as cursor:  # (sqlite3's cursor is no context manager)
            if self.sqlite:
                for sql, params in payload:
                    cursor.execute(sql, params)
            else:
                with cursor.copy(self.sql) as copy:
                    copy.write(payload)


class MemberWrites:
    """New members and their categories, sent by a BatchWriter (see MemberImporter.writing).

    Keys are drawn up front in the main thread, so that the categories' rows can name their
    members before either is written: on SQLite the first key is worked out once a run, after
    the table's highest key and its AUTOINCREMENT sequence (the run's transaction holds SQLite's
    only write lock, and only this run inserts members), and counted on from there; on
    PostgreSQL each batch's keys come from the table's sequence."""

    def __init__(self, writer: BatchWriter | None) -> None:
        # This thread's wrapper, taken here: `connection` names another thread's in the writer.
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.wrapper.ensure_connection()
        self.raw = self.wrapper.connection
        self.writer = writer
        self.members = RowSink(Member, ("id", *MEMBER_INSERT_COLUMNS), self.raw)
        self.links = RowSink(
            Member.categories.through, ("member_id", "recruitmentcategory_id"), self.raw
        )
        self.sqlite = self.members.sqlite
        self._next_key: int | None = None

    def sync(self) -> None:
        if self.writer is not None:
            self.writer.sync()

    def keys(self, count: int) -> range | list[int]:
        """Keys for `count` new members; queries, so only with no batch in flight."""
        self.sync()
        table, pk = Member._meta.db_table, Member._meta.pk.column
        with connection.cursor() as cursor:
            if not self.sqlite:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self._next_key is None:
                quote = connection.ops.quote_name
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
                self._next_key = max(found[0] if found else 0, cursor.fetchone()[0] or 0) + 1
        first = self._next_key
        self._next_key += count
        return range(first, first + count)

    def send(self, members: list[tuple], links: list[tuple]) -> None:
        """Hand a batch to the writer (or write it here, without one)."""
        raw, sinks = self.raw, (self.members, self.links)
        payloads = (sinks[0].payload(raw, members), sinks[1].payload(raw, links))
        errors = self.wrapper.wrap_database_errors  # the driver's errors as Django's, as before

        def job() -> None:
            with errors:
                sinks[0].send(raw, payloads[0])
                sinks[1].send(raw, payloads[1])

        if self.writer is None:
            job()
        else:
            self.writer.submit(job)
