"""Catalogue groups S and U (injection and rendering): hostile values stay literal everywhere.

- every widget of the main window that shows data shows it as plain text (or escaped), the literal
  text is what is shown, and rendering the nested-table bomb takes < 1 s;
- SQL in dossier/storage interpolates only reviewed identifiers (an AST check), values are bound;
- search input is quoted for FTS and escaped for LIKE;
- file names made from data go through one sanitiser and stay inside the chosen folder.
"""

from __future__ import annotations

import ast
import csv
import html
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QMessageBox, QTreeWidget

from conftest import FIXTURES
from dossier.domain.filenames import MAX_BYTES, UnsafePath, inside, safe_filename

REPO = Path(__file__).resolve().parent.parent
BOMB = "<table><tr><td>" * 60 + "x" + "</td></tr></table>" * 60


def _fixture_names(name: str) -> list[str]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
        return [r["name"] for r in csv.DictReader(f)]


HOSTILE = (_fixture_names("s01_formula_values.csv") + _fixture_names("s02_html_values.csv")
           + _fixture_names("s03_nested_table_bomb.csv") + _fixture_names("s04_sql_in_values.csv")
           + _fixture_names("s06_path_names.csv") + [BOMB, "<script>alert(1)</script> & &amp; &lt;b&gt;"])


@pytest.fixture
def hostile_db(tmp_path):
    from dossier.exchange.dossier_csv import neutralise
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    p = tmp_path / "hostile.db"
    db = create_database(p, sample=True)
    f = tmp_path / "people.csv"
    with f.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "name", "summary", "source"])
        for i, name in enumerate(HOSTILE):
            w.writerow([f"h{i}", neutralise(name), neutralise(name), "seed-article"])
    r = import_files(db, [f])
    assert r.ok, r.errors[:3]
    # u04: a bidi override is rejected at import, nothing written
    bidi = tmp_path / "u04" / "people.csv"
    bidi.parent.mkdir()
    bidi.write_text("id,name\n" + "".join(f"b{i},{n}\n" for i, n in enumerate(_fixture_names("u04_bidi_override.csv"))),
                    "utf-8")
    r2 = import_files(db, [bidi])
    assert not r2.ok and "U+202E" in str(r2.errors[0]) and r2.errors[0].line == 2
    assert db.execute("SELECT count(*) FROM person WHERE id LIKE 'b%'").fetchone()[0] == 0
    # s04: the SQL in a value did nothing
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] >= len(HOSTILE)
    close_database(db)
    return p


def _check_widgets(win, literals: set[str]) -> int:
    """Walk every widget: labels plain (or escaped), item texts literal, tooltips escaped."""
    seen = 0
    for lab in win.findChildren(QLabel):
        t = lab.text()
        if any(c in t for c in "<&"):
            assert lab.textFormat() == Qt.TextFormat.PlainText or "<" not in html.unescape(t) or \
                html.escape(html.unescape(t)) in t, f"label {lab.objectName()!r} may render markup: {t[:80]!r}"
        seen += 1
    for le in win.findChildren(QLineEdit):
        seen += 1  # a line edit never renders markup; its text is what was typed
    from dossier.ui.browser import BrowserList  # the browser's paged lists (QListWidget-like accessors)

    for lw in [*win.findChildren(QListWidget), *win.findChildren(BrowserList)]:
        for i in range(lw.count()):
            it = lw.item(i)
            tip = it.toolTip()
            if tip:
                assert "<img" not in tip and "<table" not in tip and "<a " not in tip, tip[:120]
                body = html.unescape(tip.replace("<p style='white-space:pre-wrap'>", "").replace("</p>", ""))
                assert any(lit in body for lit in literals) or "<" not in body
            seen += 1
    for tw in win.findChildren(QTreeWidget):
        stack = [tw.topLevelItem(i) for i in range(tw.topLevelItemCount())]
        while stack:
            it = stack.pop()
            tip = it.toolTip(0)
            assert "<img" not in tip and "<table" not in tip, tip[:120]
            stack.extend(it.child(j) for j in range(it.childCount()))
            seen += 1
    for b in win.findChildren(QAbstractButton):
        seen += 1
    assert "<" not in win.windowTitle() or win.windowTitle().endswith("— Dossier")
    return seen


@pytest.mark.gui
def test_hostile_values_render_literally_everywhere(qtbot, hostile_db, tmp_path):
    from dossier.app import build_window

    w = build_window(hostile_db, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    people = w.browser.lists["person"]
    shown = [people.item(i).text() for i in range(people.count())]
    for name in HOSTILE:
        assert any(t == name or t.startswith(name + "  ") for t in shown), f"not shown literally: {name[:60]!r}"
    worst = 0.0
    for i, name in enumerate(HOSTILE):
        t = time.perf_counter()
        w.browser.select("person", f"h{i}")
        qtbot.wait(1)
        w.grab()
        worst = max(worst, time.perf_counter() - t)
        assert w.details.topLevelItem(0).text(0) == name
        # what is on screen: the tree shows the literal first line of the name
        rect = w.details.visualItemRect(w.details.topLevelItem(0))
        assert rect.height() > 0
        _check_widgets(w, set(HOSTILE))
    assert worst < 1.0, f"rendering a hostile record took {worst:.2f} s"
    for q in ("<img", "DROP TABLE", "=HYPERLINK", "../../", "<table><tr>"):
        w.browser.search.setText(q)
        lw = w.browser.lists["search"]
        assert lw.count() >= 1, q
        assert all(q.lower() in lw.item(i).text().lower() for i in range(lw.count()))
        _check_widgets(w, set(HOSTILE))
    w.grab().save(str(tmp_path / "hostile-window.png"))
    w.close()


@pytest.mark.gui
def test_message_boxes_and_titles_with_hostile_file_names(qtbot, tmp_path, sample_db_path):
    from dossier.app import build_window
    from dossier.services import recovery
    from dossier.ui import safety

    evil = tmp_path / "<b>bold<img src='x'>.db"
    sample_db_path.rename(evil)
    recovery.journal_path(evil).write_text(json.dumps({
        "started_at": "2026-01-01T00:00:00+00:00", "last_batch": 99,
        "files": [{"name": "<img src='x'>hosts.csv", "sha256": "00" * 32}]}), "utf-8")
    w = build_window(evil, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.safety.last_notice is not None)
    box = w.safety.last_notice
    assert box.textFormat() == Qt.TextFormat.PlainText and "<img src='x'>hosts.csv" in box.text()
    assert w.windowTitle().startswith("<b>bold<img src='x'>.db")
    for lab in box.findChildren(QLabel):
        if "<img" in lab.text():
            assert lab.textFormat() == Qt.TextFormat.PlainText
    box.close()
    w.close()
    data = bytearray(evil.read_bytes())
    data[:16] = b"\0" * 16
    evil.write_bytes(bytes(data))
    from dossier.services.database import StorageError

    with pytest.raises(StorageError) as ei:
        build_window(evil, False)
    rbox, _button, _offer = safety.recovery_box(None, evil, ei.value)
    assert isinstance(rbox, QMessageBox) and rbox.textFormat() == Qt.TextFormat.PlainText
    for lab in rbox.findChildren(QLabel):
        if "<b>" in lab.text():
            assert lab.textFormat() == Qt.TextFormat.PlainText


# --- SQL -------------------------------------------------------------------------------------------

# Every expression interpolated into SQL text in dossier/storage, reviewed: identifiers from the
# fixed kind table or the schema, placeholders, and integers of our own.  Values are always bound.
REVIEWED = {
    ("migrations.py", "LATEST"), ("migrations.py", "APPLICATION_ID"), ("migrations.py", "m.version"),
    ("queries.py", "col"),  # 'speaker' or 'event', chosen in code
    ("queries.py", "title_col"), ("queries.py", "table"),  # table checked by the dict lookup first
    ("records.py", "kind.table"), ("records.py", "marks"), ("records.py", "base"), ("records.py", "where"),
    ("records.py", "table"), ("records.py", "', '.join((_qi(c) for c in cols))"),
    ("records.py", "', '.join('?' * len(cols))"), ("records.py", "', '.join((f'{_qi(c)} = ?' for c in cols))"),
    ("records.py", "KINDS[kind_name].table"),
    # reviewed when merging the feature branches: code constants, schema column names, placeholders
    # editing.py: `table` is checked against a fixed whitelist in each function, `t` comes from
    # sqlite_master, `fill` holds column names from PRAGMA table_info of that whitelisted table
    ('editing.py', 'table'), ('editing.py', 't'), ('editing.py', "','.join('?' * len(part))"),
    ('editing.py', "', '.join((f'{_q(k)} = ?' for k in fill))"),
    ('bulk.py', "', '.join('?' * len(cols))"),
    ('bulk.py', "', '.join((chr(34) + c + chr(34) for c in cols))"),
    ('bulk.py', "','.join('?' * len(part))"),
    ('bulk.py', "','.join('?' * len(rids))"),
    ('bulk.py', "','.join([one] * len(part))"),
    ('bulk.py', '_SELECT[kind_name]'),
    ('bulk.py', 'code'),
    ('bulk.py', 'col'),
    ('bulk.py', 'expr'),
    ('bulk.py', 'kind.table'),
    ('bulk.py', 'on'),
    ('bulk.py', 'src'),
    ('bulk.py', 'table'),
    ('bulk.py', 'where'),
    # browse_queries.py: table names, sort expressions and columns from its fixed ORDERS, '?' placeholders
    ('browse_queries.py', 'o.table'), ('browse_queries.py', '_order(table).table'),
    ('browse_queries.py', 'o.columns'), ('browse_queries.py', 'keys'), ('browse_queries.py', 'first'),
    ('browse_queries.py', "', '.join(rest)"), ('browse_queries.py', "', '.join('?' * len(rest))"),
    ('rekey.py', 'before.application_id'),  # ints read from PRAGMA (issue 10)
    ('rekey.py', 'before.user_version'),
    ('rekey.py', '_export_target_key(partial, new)'),  # '' or keys.raw_key_literal: hex digits only
    ('keys.py', 'value'),  # PRAGMA key takes no parameter: keys.raw_key_literal, hex digits only
    ('keys.py', 'CACHE_SIZE_KIB'),  # an int constant
    ('dossier_queries.py', "_kept('e')"),
    ('dossier_queries.py', "_kept('f')"),
    ('dossier_queries.py', "_kept('i')"),
    ('dossier_queries.py', "_kept('other')"),
    ('dossier_queries.py', "_kept('pa')"),
    ('dossier_queries.py', "_kept('r')"),
    ('dossier_queries.py', "_kept('t')"),
    ('dossier_queries.py', 'alias'),
    ('dossier_queries.py', 'marks'),
    ('dossier_queries.py', 't'),
    ('dossier_queries.py', 'where'),
    ('journal.py', "', '.join('?' * len(cols))"),
    ('journal.py', "', '.join((f'{chr(34)}{c}{chr(34)}' for c in cols))"),
    ('journal.py', "','.join('?' * len(part))"),
    ('journal.py', "'id' if 'id' in vals else 'rid'"),
    ('journal.py', 'body'),
    ('journal.py', 'op'),
    ('journal.py', 'sets'),
    ('journal.py', 't'),
    ('journal.py', 'table'),
    ('journal.py', 'tt'),
    ('journal.py', 'when'),
    ('timeline_queries.py', "', '.join(('?' for _ in cols))"),
    ('timeline_queries.py', "', '.join((chr(34) + c + chr(34) for c in cols))"),
    ('timeline_queries.py', 'TABLES[code]'),
    ('timeline_queries.py', '_FLAGS.format(point=0)'),
    ('timeline_queries.py', '_GRADE.format(table=table)'),
    ('timeline_queries.py', 'code'),
    ('timeline_queries.py', 'country'),
    ('timeline_queries.py', 'cte'),
    ('timeline_queries.py', 'flags'),
    ('timeline_queries.py', 'j[EVENT]'),
    ('timeline_queries.py', 'j[POSTING]'),
    ('timeline_queries.py', 'j[RELATION]'),
    ('timeline_queries.py', 'kind'),
    ('timeline_queries.py', 'table'),
    # issue 3 (performance): column expressions and window filters built from code constants
    ('timeline_queries.py', "', '.join((f'group_concat({c})' for c in cols))"),
    ('timeline_queries.py', '_in_window(EVENT, cte)'),
    ('timeline_queries.py', "_in_window(EVENT, cte) or ' WHERE 1'"),
    ('timeline_queries.py', '_in_window(POSTING, cte)'),
    ('timeline_queries.py', '_in_window(RELATION, cte)'),
    ('timeline_queries.py', '_in_window(code, cte)'),
    ('timeline_queries.py', 'alias'),
    ('trade.py', "', '.join(TRADE_COLUMNS)"),
    ('trade.py', 'marks'),
    ('trade.py', 'side'),
    ('trade.py', 'cols'),  # ', '.join(TRADE_COLUMNS): code constants
    ('trade.py', 'cond'),  # one of three constant conditions, picked by a dict lookup (KeyError otherwise)
    ('batches.py', 'q'),  # write_mark: a table name from sqlite_master, quoted as an identifier
}
_SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "PRAGMA ", " FROM ", " WHERE ", "CREATE ", "DROP ")


def test_sql_interpolates_only_reviewed_identifiers():
    found = set()
    for f in sorted((REPO / "dossier" / "storage").rglob("*.py")):  # crypto/ is a package
        for node in ast.walk(ast.parse(f.read_text("utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant)).upper()
                if any(k in text for k in _SQL_WORDS):
                    for v in node.values:
                        if isinstance(v, ast.FormattedValue):
                            found.add((f.name, ast.unparse(v.value)))
    unreviewed = found - REVIEWED
    assert not unreviewed, f"SQL built from unreviewed expressions (bind values with ?): {sorted(unreviewed)}"


def test_sql_in_values_is_stored_verbatim(sample_db, tmp_path):
    from dossier.services.importing import import_files

    f = tmp_path / "people.csv"
    f.write_text('id,name\nsql-1,"x\'); DROP TABLE person; --"\nsql-2,"Robert\'; DELETE FROM entity; --"\n', "utf-8")
    n = sample_db.execute("SELECT count(*) FROM entity").fetchone()[0]
    assert import_files(sample_db, [f]).ok
    assert sample_db.execute("SELECT name FROM person WHERE id = 'sql-1'").fetchone()[0] == "x'); DROP TABLE person; --"
    assert sample_db.execute("SELECT count(*) FROM entity").fetchone()[0] == n + 2


def test_hostile_header_never_becomes_a_column(sample_db, tmp_path):
    from dossier.services.importing import import_files

    f = tmp_path / "people.csv"
    f.write_bytes((FIXTURES / "s05_hostile_header.csv").read_bytes().replace(b"name,role,", b"id,name,", 1))
    cols = [r[1] for r in sample_db.execute("PRAGMA table_info(person)")]
    r = import_files(sample_db, [f])
    assert not r.ok and r.errors[0].line == 1 and "DROP TABLE" in str(r.errors[0])
    assert [r[1] for r in sample_db.execute("PRAGMA table_info(person)")] == cols


# --- search ----------------------------------------------------------------------------------------

SEARCH_NAMES = ['100% Loyal', 'under_score Name', 'Quote "Q" Man', 'Star*Man Kim', 'Pot AND Kettle', 'NEAR(x) Lee',
                'Caret^Up', "O'Brien Colon:Col", 'Minus-Plus+ Dash']


@pytest.fixture
def search_db(empty_db, tmp_path):
    from dossier.services.importing import import_files

    f = tmp_path / "people.csv"
    with f.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "name"])
        for i, n in enumerate(SEARCH_NAMES):
            w.writerow([f"s{i}", n])
        w.writerow(["plain", "Plain Person"])
    assert import_files(empty_db, [f]).ok
    return empty_db


@pytest.mark.parametrize("q, expect", [
    ('"', ['Quote "Q" Man']), ('"Q"', ['Quote "Q" Man']), ("*", ["Star*Man Kim"]), ("Star*", ["Star*Man Kim"]),
    ("AND", ["Pot AND Kettle"]), ("NEAR(", ["NEAR(x) Lee"]), ("%", ["100% Loyal"]), ("0%", ["100% Loyal"]),
    ("_", ["under_score Name"]), ("r_s", ["under_score Name"]), ("^", ["Caret^Up"]), ("'", ["O'Brien Colon:Col"]),
    ("Colon:", ["O'Brien Colon:Col"]), ("-Plus+", ["Minus-Plus+ Dash"]), ("OR", ["under_score Name"]), ("NOT", []), (")", ["NEAR(x) Lee"]),
])
def test_search_treats_syntax_as_text(search_db, q, expect):
    from dossier.storage import queries

    hits = queries.search(search_db, q)
    assert sorted(h["label"] for h in hits) == sorted(expect)


# --- file names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, want", [
    ("../../.bashrc", "_._.bashrc"), ("/etc/passwd", "_etc_passwd"), ("a\\b\\..\\c", "a_b_._c"), ("CON", "_CON"),
    ("con.pdf", "_con.pdf"), ("COM¹.pdf", "_COM¹.pdf"), ("LPT9", "_LPT9"), ("report. . .", "report"),
    ("", "untitled"), ("...", "untitled"), ("a\x00b\nc", "a_b_c"), ("Ri\u202eKil", "Ri_Kil"), ("nul ", "_nul"),
])
def test_safe_filename_cases(name, want):
    assert safe_filename(name) == want


def test_s06_fixture_names_stay_inside_and_fit(tmp_path):
    for name in _fixture_names("s06_path_names.csv"):
        p = inside(tmp_path, name, ext=".pdf")
        assert p.parent == tmp_path.resolve() and p.suffix == ".pdf"
        assert len(p.name.encode("utf-8")) <= MAX_BYTES
        p.write_bytes(b"%PDF-1.4\n%%EOF\n")  # the file system accepts it
    long = _fixture_names("s06_path_names.csv")[-1]
    assert safe_filename(long, ext=".pdf").startswith("유명희") and len(safe_filename(long).encode()) <= 255


def test_inside_refuses_what_would_escape(tmp_path, monkeypatch):
    import dossier.domain.filenames as fn

    monkeypatch.setattr(fn, "safe_filename", lambda name, ext="": name)  # a broken sanitiser is caught
    with pytest.raises(UnsafePath):
        fn.inside(tmp_path, "../escape.pdf")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["", ".pdf", ".png", ".csv"]))
def test_safe_filename_properties(name, ext):
    s = safe_filename(name, ext=ext)
    assert s and len(s.encode("utf-8")) <= MAX_BYTES
    assert "/" not in s and "\\" not in s and "\x00" not in s and ".." not in s
    assert not s.endswith((" ",)) and (ext == "" or s.endswith(ext))
    stem = s[: -len(ext)] if ext else s
    assert stem and not stem.endswith(".") and stem not in (".", "..")
    assert s.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert safe_filename(s, ext=ext) == s  # stable
