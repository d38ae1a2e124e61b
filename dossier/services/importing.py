"""Import CSV files: validate everything and build the change set, then apply it in one transaction
recorded as an import batch with a change journal (RELIABILITY.md rule 1; undo in `undo_batch`).

Nothing is written unless every file of the import is valid: the plan is computed with reads only, so
a rejected import leaves the database byte-for-byte unchanged.  Several files (a sources file plus the
files citing it) are one change set.  A verified backup is taken before anything is applied.
Files are streamed: small imports keep their parsed rows between the plan and the apply; big ones are
read twice instead of held in memory.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable
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
from dossier.storage import journal, records
from dossier.storage.connection import atomic

CACHE_ROWS = 200_000  # below this many rows the plan's parsed rows are reused for the apply


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


class _Cached:
    """Rows of the plan pass kept for the apply pass (small imports only)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.rows: dict[int, list] = {}
        self.n = 0
        self.overflow = False

    def wrap(self, i: int, sf: StreamedFile) -> StreamedFile:
        store = self.rows.setdefault(i, [])

        def gen():
            for r in sf.rows:
                if not self.overflow:
                    self.n += 1
                    if self.n > self.limit:
                        self.overflow = True
                        self.rows.clear()
                    else:
                        store.append(r)
                yield r

        return StreamedFile(sf.path, sf.kind, sf.info, gen(), sf.problems, sf.fmt)


def _open_all(files: list[Path], opts: Options) -> list[StreamedFile]:
    out: list[StreamedFile] = []
    for f in files:
        out.extend(stream_any(f, opts))
    return out


def _matcher(db: sqlite_utils.Database, opts: Options):
    from dossier.services.matching import Matcher

    return Matcher(db, opts)


def import_files(db: sqlite_utils.Database, paths: Iterable[str | Path], opts: Options = Options(), *,
                 dry_run: bool = False, batch_kind: str = "import", progress: Progress | None = None,
                 note: str = "", backup: bool = True) -> ImportReport:
    files = [Path(p) for p in paths]
    file_info = [{"name": f.name, "sha256": _sha256(f) if f.is_file() else "", "bytes": f.stat().st_size
                  if f.is_file() else 0} for f in files]
    report = ImportReport(file_info)
    total = sum(fi["bytes"] for fi in file_info) or 1
    if progress:
        progress(0, 1000, "reading")
    streams = _open_all(files, opts)
    cache = _Cached(CACHE_ROWS)
    wrapped = [cache.wrap(i, sf) for i, sf in enumerate(streams)]
    matcher = _matcher(db, opts)  # one instance for both passes: what was reviewed is what is written
    plan = ChangePass(db, opts, report, progress=progress, matcher=matcher,
                      progress_span=(0, 500 if not dry_run else 1000))
    plan.run(wrapped, total)
    for sf in streams:
        report.errors.extend(p for p in sf.problems if p.severity == "error")
        report.warnings.extend(p for p in sf.problems if p.severity != "error")
    _collect_row_warnings(report, cache)
    report.errors.sort(key=lambda p: (files.index(Path(p.file)) if Path(p.file) in files else 0, p.line))
    report.errors = report.errors[: opts.max_problems]
    for fi, sf_kind in zip(file_info, _kinds_by_file(files, streams), strict=True):
        fi["kind"] = sf_kind
        if fi["sha256"] and records.find_batch_by_sha(db, fi["sha256"]):
            report.already_imported.append(fi["name"])
    if report.errors or dry_run or not report.writes:
        return report  # rejected, a dry run, or nothing to change: no batch, nothing written
    if progress:
        progress(500, 1000, "backing up")
    path = _db_path(db)
    if backup and path is not None:
        from dossier.services.backups import backup_before

        backup_before(db, path, "before-import")
    counts = dict(report.counts)
    applied = ImportReport(file_info)
    if cache.overflow:
        streams2 = _open_all(files, opts)
    else:
        streams2 = [StreamedFile(sf.path, sf.kind, sf.info, iter(cache.rows.get(i, [])), [], sf.fmt)
                    for i, sf in enumerate(streams)]
    now = _now()
    from dossier.services.recovery import import_guard  # crash journal keyed by SHA-256 (issue 7)

    with import_guard(db, file_info, backup=backup), atomic(db):
        batch = records.new_batch(db, batch_kind, now, json.dumps(file_info, ensure_ascii=False), note)
        journal.begin(db, batch, now)
        apply = ChangePass(db, opts, applied, batch=batch, progress=progress, matcher=matcher,
                           progress_span=(500, 1000))
        apply.run(streams2, total)
        if applied.errors:  # pragma: no cover - the plan pass saw the same rows
            raise RuntimeError("the import changed between validation and applying: " + str(applied.errors[0]))
        journal.end(db)
        if progress:
            progress(1000, 1000, "committing")
        records.finish_batch(db, batch, _now(), json.dumps({op: counts.get(op, 0) for op in
                                                           ("added", "changed", "unchanged", "deleted", "conflict")}))
    report.batch = batch
    report.applied = True
    return report


def _kinds_by_file(files: list[Path], streams: list[StreamedFile]) -> list[str | None]:
    out = []
    for f in files:
        ks = [s.kind.name for s in streams if s.path == f and s.kind is not None]
        out.append(",".join(dict.fromkeys(ks)) or None)
    return out


def _collect_row_warnings(report: ImportReport, cache: _Cached) -> None:
    for rows in cache.rows.values():
        for r in rows:
            if r.warnings:
                report.warnings.extend(r.warnings)
            if len(report.warnings) > 1000:
                return


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
