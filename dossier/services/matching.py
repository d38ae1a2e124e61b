"""Matching rows without ids of ours (foreign formats) to existing records: placeholder for now."""

from __future__ import annotations


class Matcher:
    def __init__(self, db, opts):
        self.db = db
        self.opts = opts

    def resolve(self, rows, report) -> None:
        return None
