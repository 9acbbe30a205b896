"""Importing org units and registers from office spreadsheets (.xlsx, .csv).

`run_import(kind, source, filename=…, actor=…)` is the one entry point, for the command line
(`sanlian import`) and the web upload alike. It streams the rows (spreadsheets.reading), checks
every row, and writes in one transaction:

- every bad row is reported as a `RowError` with its row number as Excel shows it, the column
  header as written in the file and the reason;
- by default nothing is written while any row is bad; `only_valid=True` writes the good rows;
  `dry_run=True` writes nothing but reports what would happen (the same checks run, inside a
  transaction that is rolled back, so later rows may refer to units created by earlier ones);
- importing the same file again changes nothing (created=0, updated=0, unchanged=N).

Matching (docs: decisions to record):
- org units by division code; a unit without one (a group, an urban branch, an enterprise
  association) by its parent and name. “上级代码” names the parent by its code, or, for a parent
  without a code, as “CODE/NAME” (the child NAME of the unit with CODE), which is what the export
  writes.
- members by the blind index of their ID number; a row without an ID number (or with a masked
  one, as exports write them) by unit + name + birth date, and such a row needs a birth date.
  A masked ID number or phone is accepted only when it matches the stored member's masked form,
  and it leaves the stored value untouched.
- a blank cell never erases a stored value; a column missing from the file is left alone.

Members are written in bulk — new ones by a background writer thread, batch k while batch k+1
is read (see BatchWriter), changed ones with bulk_update — with one `registers.import` audit
event per run carrying the counts; org units go through orgs.services (one event per unit) plus
the run's event.

The package: `base` (limits, rows, report, the Importer base), `columns` (the files' columns and
words), `orgs`, `member_rows` (reading a member row) and `members` (matching and writing them),
`records` (posts, trainings, activities), `writing` (the background writer), `running`
(`run_import` and the register of kinds). Names are re-exported here; patch a name in the module
that uses it.
"""

from registers.imports.base import (
    ANALYZE_AFTER,
    BATCH_SIZE,
    IMPORT_ACTION,
    KINDS,
    LOOKUP_CHUNK,
    MEMO_LIMIT,
    OBJECT_TYPES,
    ROWS_PER_INSERT,
    SQLITE_IMPORT_CACHE_KIB,
    Importer,
    ImportReport,
    Row,
    RowError,
    chunks,
    present,
    quick_text,
)
from registers.imports.columns import (
    CATEGORY_BY_WORD,
    CATEGORY_WORDS,
    EDUCATION_BY_WORD,
    EDUCATION_WORDS,
    LAYOUTS,
    LEVEL_BY_WORD,
    LEVEL_IMPLIES_CATEGORY,
    LEVEL_WORDS,
    MEMBER_COLUMNS,
    ORG_COLUMNS,
    SEX_BY_WORD,
    SEX_WORDS,
    layout_for,
    word_for,
)
from registers.imports.member_rows import (
    DATE_COLUMNS,
    MATCH_COLUMNS,
    MATCH_FIELDS,
    MEMBER_VALUE_FIELDS,
    QUERYING_OUTCOMES,
    MemberCells,
    MemberRow,
)
from registers.imports.members import MemberImporter
from registers.imports.orgs import OrgImporter
from registers.imports.records import (
    ACTIVITY_COLUMNS,
    ATTENDEE_ENTRY,
    ATTENDEE_SEPARATORS,
    AUDIENCE_BY_WORD,
    AUDIENCE_WORDS,
    ID_LIKE,
    NEED_BY_WORD,
    NEED_WORDS,
    POST_BY_WORD,
    POST_COLUMNS,
    POST_WORDS,
    TRAINING_COLUMNS,
    ActivityImporter,
    PostImporter,
    RecordImporter,
    TrainingImporter,
    attendee_entries,
    attendee_label,
    find_unit,
    unit_reference,
)
from registers.imports.running import (
    IMPORTERS,
    RUN_DEFERRALS,
    RunDeferral,
    register_kind,
    register_run_deferral,
    run_import,
    sqlite_page_cache,
)
from registers.imports.writing import (
    MEMBER_INSERT_COLUMNS,
    BatchWriter,
    MemberWrites,
    RowSink,
    background_writer,
)
from spreadsheets.reading import UnreadableFile

__all__ = [
    "ACTIVITY_COLUMNS",
    "ANALYZE_AFTER",
    "ATTENDEE_ENTRY",
    "ATTENDEE_SEPARATORS",
    "AUDIENCE_BY_WORD",
    "AUDIENCE_WORDS",
    "ActivityImporter",
    "BATCH_SIZE",
    "BatchWriter",
    "CATEGORY_BY_WORD",
    "CATEGORY_WORDS",
    "DATE_COLUMNS",
    "EDUCATION_BY_WORD",
    "EDUCATION_WORDS",
    "ID_LIKE",
    "IMPORTERS",
    "IMPORT_ACTION",
    "ImportReport",
    "Importer",
    "KINDS",
    "LAYOUTS",
    "LEVEL_BY_WORD",
    "LEVEL_IMPLIES_CATEGORY",
    "LEVEL_WORDS",
    "LOOKUP_CHUNK",
    "MATCH_COLUMNS",
    "MATCH_FIELDS",
    "MEMBER_COLUMNS",
    "MEMBER_INSERT_COLUMNS",
    "MEMBER_VALUE_FIELDS",
    "MEMO_LIMIT",
    "MemberCells",
    "MemberImporter",
    "MemberRow",
    "MemberWrites",
    "NEED_BY_WORD",
    "NEED_WORDS",
    "OBJECT_TYPES",
    "ORG_COLUMNS",
    "OrgImporter",
    "POST_BY_WORD",
    "POST_COLUMNS",
    "POST_WORDS",
    "PostImporter",
    "QUERYING_OUTCOMES",
    "ROWS_PER_INSERT",
    "RUN_DEFERRALS",
    "RecordImporter",
    "Row",
    "RowError",
    "RowSink",
    "RunDeferral",
    "SEX_BY_WORD",
    "SEX_WORDS",
    "SQLITE_IMPORT_CACHE_KIB",
    "TRAINING_COLUMNS",
    "TrainingImporter",
    "UnreadableFile",
    "attendee_entries",
    "attendee_label",
    "background_writer",
    "chunks",
    "find_unit",
    "layout_for",
    "present",
    "quick_text",
    "register_kind",
    "register_run_deferral",
    "run_import",
    "sqlite_page_cache",
    "unit_reference",
    "word_for",
]
