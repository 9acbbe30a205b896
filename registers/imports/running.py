"""`run_import`, the one entry point, and the register of import kinds."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import (
    connection,
    reset_queries,
    transaction,
)
from django.utils.translation import gettext as _

from audit.services import deferred_events, record_event
from registers.imports.base import (
    ANALYZE_AFTER,
    BATCH_SIZE,
    IMPORT_ACTION,
    KINDS,
    OBJECT_TYPES,
    SQLITE_IMPORT_CACHE_KIB,
    Importer,
    ImportReport,
    Row,
)
from registers.imports.columns import LAYOUTS, layout_for
from registers.imports.members import MemberImporter
from registers.imports.orgs import OrgImporter
from registers.imports.records import ActivityImporter, PostImporter, TrainingImporter
from registers.models import (
    Member,
)
from registers.signals import records_loaded
from spreadsheets.columns import Column, Header
from spreadsheets.reading import UnreadableFile
from spreadsheets.table import Table, TableSheet, open_table

IMPORTERS: dict[str, type[Importer]] = {
    "orgs": OrgImporter,
    "members": MemberImporter,
    "posts": PostImporter,
    "trainings": TrainingImporter,
    "activities": ActivityImporter,
}


@dataclass(frozen=True)
class RunDeferral:
    """Work another app does after each write, put off to the end of an import run: `defer()`
    is entered around the run's rows, `discard()` drops what was put off when nothing is kept."""

    defer: Callable[[], AbstractContextManager]
    discard: Callable[[], None]


# Filled by the apps above registers from their AppConfig.ready (campaigns' roll-ups), since
# registers must not import them; entered in this order, before the rows' audit events are.
RUN_DEFERRALS: list[RunDeferral] = []


def register_run_deferral(defer: Callable[[], AbstractContextManager], discard: Callable[[], None]):
    """Put `defer()`'s work off to the end of every import run (see RunDeferral)."""
    deferral = RunDeferral(defer, discard)
    if deferral not in RUN_DEFERRALS:
        RUN_DEFERRALS.append(deferral)


def register_kind(kind: str, importer: type[Importer], columns: list[Column], object_type: str):
    """Another app's import kind on the same reader, header matching and row-error contract
    (called from its AppConfig.ready, since registers must not import the apps above it)."""
    if kind not in KINDS:
        KINDS.append(kind)
    IMPORTERS[kind] = importer
    LAYOUTS[kind] = columns
    OBJECT_TYPES[kind] = object_type


def _rows_of(header: Header, rows: Iterable[tuple[int, list]], sheet: str = "") -> Iterable[Row]:
    positions = header.positions
    names, indexes = tuple(positions), tuple(positions.values())
    # A row as long as the header's last column (nearly all) is picked in one C call.
    pick = operator.itemgetter(*indexes) if len(indexes) > 1 else None
    highest = max(indexes, default=0)
    for number, cells in rows:
        width = len(cells)
        if pick is not None and width > highest:
            yield Row(number, dict(zip(names, pick(cells), strict=True)), sheet=sheet)
            continue
        yield Row(
            number,
            {name: cells[index] if index < width else None for name, index in positions.items()},
            sheet=sheet,
        )


def _extra_columns(table: Table) -> list[str]:
    return list(dict.fromkeys(text for sheet in table.sheets for text in sheet.header.extra))


def _sheet_summary(sheet: TableSheet, layout: list[Column]) -> dict:
    """What the preview shows before anything is confirmed: the sheet read, its header row(s)
    and the header of the file each template column was matched to."""
    return {
        "name": sheet.name,
        "header_rows": [sheet.header.first_row, sheet.header.row],
        "columns": sheet.header.mapping(layout),
    }


@contextmanager
def sqlite_page_cache():
    """On SQLite, a page cache of SQLITE_IMPORT_CACHE_KIB for the run: the run's inserts land
    in indexes of random keys (the blind indexes), and with SQLite's default 2 MB cache every
    insert evicts a page the next one needs — twice the time. Bounded; restored after the run."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


def _process_all(importer, table, report: ImportReport, total: int, progress) -> None:
    several = len(table.sheets) > 1
    with importer.writing():
        for sheet in table.sheets:
            # Errors name the columns as this sheet writes them.
            importer.header = sheet.header
            batch: list[Row] = []
            for row in _rows_of(sheet.header, sheet.rows(), sheet.name if several else ""):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    importer.process(batch)
                    batch = []
                    if settings.DEBUG:
                        reset_queries()  # DEBUG keeps every query, and a batch's SQL is large
                    if progress:  # (the writer may still be sending this batch: no queries)
                        progress(report.rows, max(total, report.rows))
            if batch:
                importer.process(batch)


def run_import(
    kind: str,
    source: Path | BinaryIO,
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    only_valid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check and import one file (see the module doc). Raises UnreadableFile when the file
    itself cannot be read; row problems are in the report."""
    if kind not in KINDS:
        raise ValueError(f"Unknown import kind {kind!r}; one of {', '.join(KINDS)}.")
    layout = layout_for(kind)
    table = open_table(source, filename, layout)
    report = ImportReport(kind=kind, extra_columns=_extra_columns(table))
    report.sheets = [_sheet_summary(sheet, layout) for sheet in table.sheets]
    importer = IMPORTERS[kind](actor, report, table.sheets[0].header)
    total = table.total
    with sqlite_page_cache(), transaction.atomic():
        # The rows' audit events and roll-up refreshes wait for the end of the run, so that
        # neither the chain head nor the roll-up rows are locked while the rows are read and
        # checked (a preview never locks them at all): docs/decisions.md, Lock order.
        with ExitStack() as deferring:
            for deferral in RUN_DEFERRALS:
                deferring.enter_context(deferral.defer())
            row_events = deferring.enter_context(deferred_events())
            # The importer's writer (if it has one) is joined before the transaction ends.
            _process_all(importer, table, report, total, progress)
            keep = not dry_run and (only_valid or not report.errors)
            if not keep:
                row_events.discard()
                for deferral in RUN_DEFERRALS:
                    deferral.discard()
        report.skipped_notes = [
            {"sheet": note.sheet, "row": note.row, "text": note.text} for note in table.notes
        ]
        if progress:
            progress(report.rows, report.rows)
        if report.rows == 0:
            raise UnreadableFile(_("The file has a header row but no data rows."))
        if keep and (report.created or report.updated):
            common_unit_id = importer.common_unit_id()
            record_event(
                actor=actor,
                action=IMPORT_ACTION,
                object_type=OBJECT_TYPES[kind],
                object_label=str(filename)[:200],
                unit_id=common_unit_id,
                after={
                    "kind": kind,
                    "file": str(filename)[:200],
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "refused": report.rows - report.valid,
                    "only_valid": only_valid,
                },
            )
            if kind == "members":  # bulk-written: no model signals were sent
                records_loaded.send(sender=IMPORT_ACTION, unit_id=common_unit_id)
        report.imported = keep
        if not keep:
            transaction.set_rollback(True)
    if report.imported and report.created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Let the planner see the new rows now rather than at the next autovacuum.
        with connection.cursor() as cursor:
            for model in (Member, Member.categories.through):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return report
