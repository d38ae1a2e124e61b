"""Export records as Dossier CSV (UTF-8 with BOM, formulas neutralised)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

import sqlite_utils

from dossier.domain.kinds import KINDS
from dossier.exchange.dossier_csv import write_csv
from dossier.storage import records


def export_kind(db: sqlite_utils.Database, kind: str, out: TextIO) -> int:
    k = KINDS[kind]
    extras = () if kind == "sources" else ("quote",)
    return write_csv(k, records.iter_records(db, kind), out, extras=extras)


def export_kind_to_file(db: sqlite_utils.Database, kind: str, path: Path) -> int:
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        n = export_kind(db, kind, f)
    tmp.replace(path)
    return n


def export_kind_text(db: sqlite_utils.Database, kind: str) -> str:
    buf = io.StringIO(newline="")
    export_kind(db, kind, buf)
    return buf.getvalue()
