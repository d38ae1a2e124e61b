"""Import CSV files: validate everything and build the change set, then apply it in one transaction
recorded as an import batch with a change journal (RELIABILITY.md rule 1; undo in `undo_batch`).

Nothing is written unless every file of the import is valid: the plan is computed with reads only, so
a rejected import leaves the database byte-for-byte unchanged.  Several files (a sources file plus the
files citing it) are one change set.  A verified backup is taken before anything is applied.
Files are streamed and read once: the plan pass keeps its validated writes in a compact in-memory
`staging.Stage`, which the apply replays inside the transaction.  Should another connection commit
between the plan and the apply (`PRAGMA data_version` moved), the plan is stale: the files are then
read again and the change set recomputed inside the transaction.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.domain.kinds import KINDS
from dossier.exchange.dossier_csv import Options, StreamedFile
from dossier.exchange.formats import stream_any
from dossier.services.changeset import (
    Cancelled,
    Change,
    ChangePass,
    ImportReport,
    Progress,
    canon,
)
from dossier.services import staging
from dossier.storage import batches, journal, records
from dossier.storage.connection import atomic


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _db_path(db: sqlite_utils.Database) -> Path | None:
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


def _open_all(files: list[Path], opts: Options) -> list[StreamedFile]:
    out: list[StreamedFile] = []
    for f in files:
        out.extend(stream_any(f, opts))
    return out


def _matcher(db: sqlite_utils.Database, opts: Options):
    from dossier.services.matching import Matcher

    return Matcher(db, opts)


@dataclass
class Plan:
    """What the plan pass of an import built: the report (the change set the user reviews), the file
    facts (name, SHA-256, bytes) and, unless it was a plain dry run or the import was rejected, the
    staged writes.  `version` is the planning connection's `PRAGMA data_version` (same connection only)."""

    files: list[Path]
    opts: Options
    report: ImportReport
    file_info: list[dict[str, Any]]
    stage: staging.Stage | None
    matcher: Any
    total: int
    version: int


def plan_files(db: sqlite_utils.Database, files: list[Path], opts: Options, *, stage: bool,
               progress: Progress | None = None, span: tuple[int, int] = (0, 1000)) -> Plan:
    """Read, validate and compare every file with the database (reads only; nothing is written)."""
    file_info = [{"name": f.name, "sha256": _sha256(f) if f.is_file() else "", "bytes": f.stat().st_size
                  if f.is_file() else 0} for f in files]
    report = ImportReport(file_info)
    total = sum(fi["bytes"] for fi in file_info) or 1
    if progress:
        progress(span[0], 1000, "reading")
    streams = _open_all(files, opts)
    matcher = _matcher(db, opts)  # one instance for both passes: what was reviewed is what is written
    st = staging.Stage() if stage else None
    version = batches.data_version(db)
    plan = ChangePass(db, opts, report, progress=progress, matcher=matcher, progress_span=span, stage=st)
    plan.run(streams, total)
    for sf in streams:
        report.errors.extend(p for p in sf.problems if p.severity == "error")
        report.warnings.extend(p for p in sf.problems if p.severity != "error")
    report.warnings.extend(plan.row_warnings)
    report.errors.sort(key=lambda p: (files.index(Path(p.file)) if Path(p.file) in files else 0, p.line))
    report.errors = report.errors[: opts.max_problems]
    for fi, sf_kind in zip(file_info, _kinds_by_file(files, streams), strict=True):
        fi["kind"] = sf_kind
        if fi["sha256"] and records.find_batch_by_sha(db, fi["sha256"]):
            report.already_imported.append(fi["name"])
    return Plan(files, opts, report, file_info, None if report.errors else st, matcher, total, version)


def write_plan(db: sqlite_utils.Database, plan: Plan, *, batch_kind: str = "import", note: str = "",
               backup: bool = True, progress: Progress | None = None, same_connection: bool = True,
               guard: Callable[[sqlite_utils.Database], None] | None = None) -> ImportReport:
    """Apply a valid plan with writes in ONE transaction, recorded as a batch with its change journal.

    `same_connection`: the plan was made on this connection, so `PRAGMA data_version` tells whether
    another connection committed since; if so the change set is recomputed inside the transaction.
    `guard(db)` runs first inside the transaction (the write lock held) and may raise to write nothing."""
    report, file_info, files, opts = plan.report, plan.file_info, plan.files, plan.opts
    assert plan.stage is not None and not report.errors
    if progress:
        progress(500, 1000, "backing up")
    path = _db_path(db)
    if backup and path is not None:
        from dossier.services.backups import backup_before

        backup_before(db, path, "before-import")
    counts = dict(report.counts)
    now = _now()
    from dossier.services.recovery import import_guard  # crash journal keyed by SHA-256 (issue 7)

    with import_guard(db, file_info, backup=backup), atomic(db):
        if guard is not None:
            guard(db)
        batch = records.new_batch(db, batch_kind, now, json.dumps(file_info, ensure_ascii=False), note)
        journal.begin(db, batch, now)
        if not same_connection or batches.data_version(db) == plan.version:
            report.replanned = False
            staging.apply(db, plan.stage, batch, _apply_progress(progress))
        else:  # another connection wrote since the plan: recompute the change set inside the transaction
            report.replanned = True
            applied = ImportReport(file_info)
            apply = ChangePass(db, opts, applied, batch=batch, progress=progress, matcher=plan.matcher,
                               progress_span=(500, 1000))
            apply.run(_open_all(files, opts), plan.total)
            if applied.errors:
                raise RuntimeError("the database changed while the import was reviewed, and the import no "
                                   "longer applies: " + str(applied.errors[0]))
            counts = dict(applied.counts)
            report.counts, report.changes = applied.counts, applied.changes  # what was written
        journal.end(db)
        if progress:
            progress(1000, 1000, "committing")
        records.finish_batch(db, batch, _now(), json.dumps({op: counts.get(op, 0) for op in
                                                           ("added", "changed", "unchanged", "deleted", "conflict")}))
    report.batch = batch
    report.applied = True
    return report


def import_files(db: sqlite_utils.Database, paths: Iterable[str | Path], opts: Options = Options(), *,
                 dry_run: bool = False, batch_kind: str = "import", progress: Progress | None = None,
                 note: str = "", backup: bool = True) -> ImportReport:
    """Plan and (unless `dry_run`) apply in one call; the files are read once.  A reviewed import that
    is applied later (the window's change-set review) uses `services.import_review` instead."""
    files = [Path(p) for p in paths]
    plan = plan_files(db, files, opts, stage=not dry_run, progress=progress, span=(0, 1000 if dry_run else 500))
    report = plan.report
    if report.errors or dry_run or not report.writes:
        return report  # rejected, a dry run, or nothing to change: no batch, nothing written
    return write_plan(db, plan, batch_kind=batch_kind, note=note, backup=backup, progress=progress)


def _apply_progress(progress: Progress | None):
    if progress is None:
        return None
    return lambda done, n: progress(500 + 500 * done // max(n, 1), 1000, f"writing {done:,} of {n:,} chunks")


def _kinds_by_file(files: list[Path], streams: list[StreamedFile]) -> list[str | None]:
    out = []
    for f in files:
        ks = [s.kind.name for s in streams if s.path == f and s.kind is not None]
        out.append(",".join(dict.fromkeys(ks)) or None)
    return out


def undo_batch(db: sqlite_utils.Database, batch_id: int, *, backup: bool = True) -> dict[str, int]:
    """Undo one batch (the latest not yet undone) in one transaction, after a verified backup."""
    b = journal.batch_info(db, batch_id)
    if b is None:
        raise journal.JournalError(f"there is no batch {batch_id}")
    path = _db_path(db)
    if backup and path is not None and not b.undone_at:
        from dossier.services.backups import backup_before

        backup_before(db, path, f"before-undo-{batch_id}")
    with atomic(db):
        return journal.undo(db, batch_id, _now())


def last_undoable(db: sqlite_utils.Database) -> journal.BatchInfo | None:
    return journal.last_undoable(db)


JournalError = journal.JournalError

__all__ = ["ImportReport", "Change", "import_files", "Options", "Cancelled", "KINDS", "canon", "undo_batch",
           "last_undoable", "JournalError"]


def describe(report: ImportReport) -> dict[str, Any]:  # pragma: no cover - convenience for callers
    return report.summary()
