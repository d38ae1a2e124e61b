"""The rows of the change-set review table (`import_dialog.ChangeSetDialog`): problems first, then
conflicts, matches, warnings and the changes, long texts cut to show where they differ.  Plain data,
no widgets."""

from __future__ import annotations

from pathlib import Path

from dossier.services.importing import ImportReport

COLUMNS = ("Status", "Kind", "Record", "Field", "Old", "New", "Where")
MAX_TABLE_ROWS = 5000


def focus(old: str, new: str, width: int = 34) -> tuple[str, str]:
    """Long texts that differ: show each from a little before the first difference ('…' marks the cut),
    so the change is visible in a narrow column (the tooltip holds the whole text)."""
    if len(old) <= width and len(new) <= width:
        return old, new
    i = 0
    while i < min(len(old), len(new)) and old[i] == new[i]:
        i += 1
    start = max(0, i - 12)
    cut = (lambda s: ("…" + s[start:]) if start and s else s)
    return cut(old), cut(new)


def change_rows(report: ImportReport) -> list[tuple[str, ...]]:
    """The review table's rows: problems first, then conflicts, matches, and the changes."""
    out: list[tuple[str, ...]] = []
    for e in report.errors:
        out.append(("rejected", "", "", e.column, e.message, "", f"{Path(e.file).name}:{e.line}:{e.column}".rstrip(":")))
    if report.errors:  # a rejected import: the problems (and warnings) only, nothing else will happen
        for w in report.warnings[:200]:
            out.append(("warning", "", "", w.column, w.message, "",
                        f"{Path(w.file).name}:{w.line}:{w.column}".rstrip(":")))
        return out
    for c in report.conflicts:
        for col, (old, new) in (c.fields or {"": ("", "")}).items():
            out.append(("conflict", c.kind, "/".join(map(str, c.key)), col, *focus(old, new),
                        f"{Path(c.file).name}:{c.line}  {c.reason}"))
    for m in report.matches:
        out.append(("match?", m["kind"], m["record"], "name", "", m["name"],
                    f"{Path(m['file']).name}:{m['line']}  {m['status']} ({m['how']})"))
    for w in report.warnings[:200]:
        out.append(("warning", "", "", w.column, w.message, "", f"{Path(w.file).name}:{w.line}:{w.column}".rstrip(":")))
    order = {"deleted": 0, "changed": 1, "added": 2, "missing": 3, "unchanged": 4}
    for c in sorted((c for c in report.changes if c.op != "conflict"), key=lambda c: order.get(c.op, 9)):
        where = f"{Path(c.file).name}:{c.line}"
        key = "/".join(map(str, c.key))
        if c.op in ("changed", "added") and c.fields:
            for col, (old, new) in c.fields.items():
                out.append((c.op, c.kind, key, col, *focus(old, new), where))
        else:
            out.append((c.op, c.kind, key, "", "", "", where))
        if len(out) >= MAX_TABLE_ROWS:
            break
    return out
