"""A reviewed import: the change set the window shows, kept with its staged writes until the user
clicks Apply, so the files are read, decoded, parsed and planned once (not once for the review and
again for the apply).  Qt-free; the window's `ChangeSetDialog` holds one while it is open.

`review_import` is the plan pass (reads only; nothing is written).  `apply_reviewed` writes exactly
the plan that was reviewed, in ONE transaction (RELIABILITY.md rule 1), after checking that what the
plan was made from is still there:

- the files: same size and same SHA-256 as when they were planned (the modification time is recorded
  but never trusted as proof that nothing changed; a file that changed while it was being planned
  counts as changed);
- the database: `storage.batches.write_mark` (newest batch, undone batches, newest change-log row,
  highest rowid of each table) equals the mark taken before the plan.  `PRAGMA data_version` cannot
  do this: it is per connection, and the review and the apply run on different worker threads, each
  with its own connection.  The mark is compared again inside the transaction, with the write lock
  held, so nothing can slip in between the check and the write;
- the options (conflicts, matches) the plan was made with.

If any of them changed, `StalePlan` says what, and nothing is written; `apply_or_replan` then plans
again from the files as they are now and hands the new review back for the user to look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from dossier.exchange.dossier_csv import Options
from dossier.services.changeset import ImportReport, Progress
from dossier.services.importing import Plan, _sha256, plan_files, write_plan
from dossier.storage import batches


class StalePlan(Exception):
    """The reviewed plan no longer describes what an import would do; nothing was written."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileMark:
    path: Path
    size: int
    mtime_ns: int
    sha256: str


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


@dataclass
class ReviewedImport:
    plan: Plan
    files: list[FileMark]
    db_mark: tuple[int, ...]
    batch_kind: str = "import"
    note: str = ""
    moved_while_planned: list[str] = field(default_factory=list)  # files that changed during the plan pass
    applied: bool = False

    @property
    def report(self) -> ImportReport:
        return self.plan.report

    @property
    def opts(self) -> Options:
        return self.plan.opts

    @property
    def paths(self) -> list[Path]:
        return self.plan.files

    @property
    def staged(self) -> bool:
        return self.plan.stage is not None

    def drop(self) -> None:
        """Let go of the staged writes (the dialog closed, or the plan was replaced)."""
        self.plan.stage = None
        self.plan.matcher = None

    def changed_files(self, progress: Progress | None = None) -> list[str]:
        """Names of the files that are not what was planned (size or SHA-256 differ, or gone)."""
        out = list(self.moved_while_planned)
        total = sum(m.size for m in self.files) or 1
        done = 0
        for m in self.files:
            if m.path.name in out:
                continue
            now = _stat(m.path)
            if now is None or now[0] != m.size or (m.sha256 and _sha256(m.path) != m.sha256):
                out.append(m.path.name)
            done += m.size
            if progress:
                progress(400 * done // total, 1000, f"checking {m.path.name} against the review")
        return out


def review_import(db: sqlite_utils.Database, paths: Iterable[str | Path], opts: Options = Options(), *,
                  progress: Progress | None = None, batch_kind: str = "import", note: str = "") -> ReviewedImport:
    """The plan pass of an import, kept for `apply_reviewed` (reads only; nothing is written).  The
    report is the one `import_files(..., dry_run=True)` gives."""
    files = [Path(p) for p in paths]
    mark = batches.write_mark(db)  # before the plan: a write during the plan also makes it stale
    before = [_stat(f) for f in files]
    plan = plan_files(db, files, opts, stage=True, progress=progress, span=(0, 1000))
    after = [_stat(f) for f in files]
    marks = [FileMark(f, st[0] if st else 0, st[1] if st else 0, fi["sha256"])
             for f, st, fi in zip(files, before, plan.file_info, strict=True)]
    moved = [f.name for f, a, b in zip(files, before, after, strict=True) if a != b]
    if not plan.report.writes:
        plan.stage = None  # rejected or nothing to change: there is nothing to keep
    return ReviewedImport(plan, marks, mark, batch_kind, note, moved)


def apply_reviewed(db: sqlite_utils.Database, rv: ReviewedImport, opts: Options | None = None, *,
                   progress: Progress | None = None, backup: bool = True) -> ImportReport:
    """Write the reviewed plan in one transaction, without reading the files again (only hashing
    them).  Raises `StalePlan` (nothing written) when the files, the database or the options are
    not what the plan was made from."""
    report = rv.report
    if rv.applied:
        raise StalePlan("this change set was already applied")
    if not report.ok:
        raise ValueError("a rejected import cannot be applied")
    if not report.writes:
        return report
    if rv.plan.stage is None:
        raise StalePlan("the reviewed change set was let go")
    if opts is not None and opts != rv.opts:
        raise StalePlan("the options changed since the review")
    if progress:
        progress(0, 1000, "checking the files against the review")
    changed = rv.changed_files(progress)
    if changed:
        raise StalePlan(f"{', '.join(changed)} changed since the review")
    stale_db = ("the database changed since the review (another import, an edit or an undo was "
                "committed meanwhile)")
    if batches.write_mark(db) != rv.db_mark:
        raise StalePlan(stale_db)

    def guard(db: sqlite_utils.Database) -> None:  # inside the transaction, the write lock held
        if batches.write_mark(db) != rv.db_mark:
            raise StalePlan(stale_db)

    out = write_plan(db, rv.plan, batch_kind=rv.batch_kind, note=rv.note, backup=backup, progress=progress,
                     same_connection=False, guard=guard)
    rv.applied = True
    rv.drop()
    return out


@dataclass
class Replanned:
    """`apply_or_replan` found the plan stale: why, and the new review (nothing was written)."""

    reason: str
    review: ReviewedImport


def apply_or_replan(db: sqlite_utils.Database, rv: ReviewedImport, opts: Options | None = None, *,
                    progress: Progress | None = None, backup: bool = True) -> ImportReport | Replanned:
    """Apply the reviewed plan; if it is stale, plan again (with `opts`, or the plan's own) and return
    the new review for the user to look at before anything is written."""
    try:
        return apply_reviewed(db, rv, opts, progress=progress, backup=backup)
    except StalePlan as e:
        rv.drop()
        fresh = review_import(db, rv.paths, opts if opts is not None else rv.opts, progress=progress,
                              batch_kind=rv.batch_kind, note=rv.note)
        return Replanned(e.reason, fresh)
