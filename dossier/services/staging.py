"""The validated writes of an import, kept between the plan and the apply so the files are read once.

The plan pass (`ChangePass` without a batch) hands every chunk's writes to a `Stage`: new records
already turned into plain tuples of table values (`storage.bulk.prepare`), and the few changed,
deleted or posting rows with their values and the existing record.  The apply step replays them
inside the batch's transaction (`apply`).  Nothing is written to the database before that.

Memory stays small and nothing leaves the process: chunks are serialised (marshal for the plain
tuples, pickle only for the rare rows with typed values) and zlib-compressed in memory, about 30
bytes per new record of the benchmark's events.  Staged rows are never spooled to a temporary file:
the database may be encrypted (RELIABILITY.md rule 16) and a plaintext copy of the import on disk
would defeat that.
"""

from __future__ import annotations

import marshal
import pickle
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import sqlite_utils

from dossier.storage import bulk, records

_MARSHAL, _PICKLE = 0, 1


def _pack(obj: Any) -> tuple[int, bytes]:
    try:
        return _MARSHAL, zlib.compress(marshal.dumps(obj), 1)
    except ValueError:  # a value marshal cannot write (e.g. a Decimal): pickle it
        return _PICKLE, zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(packed: tuple[int, bytes]) -> Any:
    how, blob = packed
    data = zlib.decompress(blob)
    return marshal.loads(data) if how == _MARSHAL else pickle.loads(data)  # noqa: S301 - our own bytes


class Stage:
    """Chunks of writes in plan order: (kind, new records prepared, [(op, values, existing)])."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, tuple[int, bytes] | None, tuple[int, bytes] | None]] = []
        self.records = 0
        self.bytes = 0

    def put(self, kind: str, adds: list[dict[str, Any]], others: list[tuple[str, dict[str, Any], Any]]) -> None:
        if kind == "postings":  # a posting writes its position row when prepared: keep the values
            others = others + [("added", v, None) for v in adds]
            adds = []
        a = _pack(bulk.prepare(kind, adds)) if adds else None
        o = _pack(others) if others else None
        if a is None and o is None:
            return
        self.chunks.append((kind, a, o))
        self.records += len(adds) + len(others)
        self.bytes += (len(a[1]) if a else 0) + (len(o[1]) if o else 0)

    def __len__(self) -> int:
        return len(self.chunks)

    def __iter__(self) -> Iterator[tuple[str, list[tuple] | None, list[tuple[str, dict[str, Any], Any]]]]:
        for kind, a, o in self.chunks:
            yield kind, (_unpack(a) if a is not None else None), (_unpack(o) if o is not None else [])


def apply(db: sqlite_utils.Database, stage: Stage, batch: int,
          progress: Callable[[int, int], None] | None = None) -> None:
    """Write the staged chunks (call inside the batch's transaction, after `journal.begin`).  The
    order is the plan's: for each chunk, changed and deleted rows first, then the new records."""
    inserter = bulk.Inserter(db)
    n = len(stage)
    for i, (kind, prepared, others) in enumerate(stage):
        adds_values = []
        for op, values, ex in others:
            if op == "changed":
                records.upsert(db, kind, values, ex, batch)
            elif op == "deleted":
                records.delete(db, kind, ex)
            else:
                adds_values.append(values)
        if adds_values:
            inserter.insert(kind, adds_values, batch)
        if prepared:
            inserter.write(kind, prepared, batch)
        if progress:
            progress(i + 1, n)
