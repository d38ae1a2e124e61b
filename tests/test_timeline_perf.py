"""The fast paths of the timeline give the same answers as the plain ones: the column load against a
row-by-row reference (the original per-item SQL), vectorised sub-rows against the loop."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dossier.services import timeline as tl
from dossier.services.timeline_rows import first_fit, first_fit_reference

# --- the reference: one row per item, the best grade by a subquery per item -------------------------
_FLAGS = ("((instr(start, '~') > 0 OR instr(start, '%') > 0 OR instr(\"end\", '~') > 0 "
          "OR instr(\"end\", '%') > 0) * 1 + "
          "(instr(start, '?') > 0 OR instr(start, '%') > 0 OR instr(\"end\", '?') > 0 "
          "OR instr(\"end\", '%') > 0) * 2 + "
          "(\"end\" = '..') * 4 + (\"end\" = '' AND {point} = 0) * 8)")
_GRADE = ("(SELECT min(unicode(s.reliability)) - 64 FROM citation c JOIN source s ON s.id = c.source "
          "WHERE c.fact_table = '{table}' AND c.fact_rid = t.rid)")


def _reference_rows(db):
    out = []
    for code, table, kind, country, point in ((0, "posting", "'posting'", "t.country", 0),
                                              (1, "event", "t.kind", "t.country", 1),
                                              (2, "relation", "'relation:' || t.kind", "NULL", 0)):
        out += db.conn.execute(
            f"SELECT t.rid * 4 + {code}, {kind}, t.start_lo, t.start_hi, t.end_lo, t.end_hi, "
            f"{_FLAGS.format(point=point)}, {_GRADE.format(table=table)}, {country} FROM {table} t").fetchall()
    return {r[0]: r[1:] for r in out}


def _reference_memberships(db):
    return set(db.conn.execute(
        "SELECT p.rid * 4, p.person FROM posting p "
        "UNION SELECT e.rid * 4 + 1, pa.entity FROM event e JOIN participant pa ON pa.event = e.id "
        "UNION SELECT e.rid * 4 + 1, e.country FROM event e WHERE e.country IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM participant pa WHERE pa.event = e.id) "
        "UNION SELECT r.rid * 4 + 2, r.a FROM relation r UNION SELECT r.rid * 4 + 2, r.b FROM relation r"
    ).fetchall())


def _fill(db, n=600, seed=7):
    """Random items with every date form the flags distinguish, grades, roles, countries."""
    rnd = random.Random(seed)
    c = db.conn
    countries = ["KHM", "PRK", "KOR", "CHN", "JPN"]
    c.executemany("INSERT INTO person(id, name, sort_name, nationality) VALUES (?, ?, ?, ?)",
                  [(f"p{i}", f"Person {i}", "" if i % 3 else f"Zed {i}", rnd.choice(countries + [None]))
                   for i in range(12)])
    c.executemany("INSERT INTO organization(id, name, country) VALUES (?, ?, ?)",
                  [(f"o{i}", f"Org {i}", rnd.choice(countries)) for i in range(3)])
    c.execute("INSERT INTO position(id, title) VALUES ('pos', 'Official')")
    c.executemany("INSERT INTO source(id, reliability) VALUES (?, ?)",
                  [(f"s{i}", g) for i, g in enumerate(["A", "B", "C", "D", "E", "F", None])])
    marks = ["", "", "", "~", "?", "%"]

    def date(base):
        m = rnd.choice(marks)
        prec = rnd.choice(["day", "month", "year"])
        lo = base if prec == "day" else base - base % 30 if prec == "month" else base - base % 365
        hi = lo if prec == "day" else lo + 29 if prec == "month" else lo + 364
        return f"d{lo}{m}", lo, hi

    d0 = 727000
    for k in range(n):
        table = rnd.choice(["posting", "posting", "event", "event", "event", "relation"])
        s_text, s_lo, s_hi = date(d0 + rnd.randrange(9000))
        form = rnd.random()
        if form < 0.15:
            e_text, e_lo, e_hi = "..", None, None
        elif form < 0.3:
            e_text, e_lo, e_hi = "", None, None
        elif form < 0.35:  # only an end
            e_text, e_lo, e_hi = date(d0 + rnd.randrange(9000))
            s_text, s_lo, s_hi = "", None, None
        else:
            e_text, e_lo, e_hi = date((s_hi or d0) + rnd.randrange(1, 900))
        if table == "posting":
            c.execute('INSERT INTO posting(id, person, position, country, start, start_lo, start_hi, "end", end_lo, '
                      "end_hi) VALUES (?, ?, 'pos', ?, ?, ?, ?, ?, ?, ?)",
                      (f"t{k}", f"p{rnd.randrange(12)}", rnd.choice(countries + [None]), s_text, s_lo, s_hi,
                       e_text, e_lo, e_hi))
        elif table == "event":
            kind = rnd.choice(["meeting", "visit", "summit", "signing", "statement", "announcement", "sanction",
                               "other"])
            c.execute('INSERT INTO event(id, kind, title, country, start, start_lo, start_hi, "end", end_lo, end_hi) '
                      "VALUES (?, ?, 'E', ?, ?, ?, ?, ?, ?, ?)",
                      (f"e{k}", kind, rnd.choice(countries + [None]), s_text, s_lo, s_hi, e_text, e_lo, e_hi))
            for _ in range(rnd.choice([0, 1, 1, 2, 3])):
                who = rnd.choice([f"p{rnd.randrange(12)}", f"o{rnd.randrange(3)}", rnd.choice(countries)])
                for role in rnd.sample(["participant", "host", "guest"], rnd.choice([1, 1, 2])):
                    c.execute("INSERT OR IGNORE INTO participant(event, entity, role) VALUES (?, ?, ?)",
                              (f"e{k}", who, role))
        else:
            a, b = rnd.sample(countries + ["p1", "o2"], 2)
            c.execute('INSERT INTO relation(id, kind, a, b, start, start_lo, start_hi, "end", end_lo, end_hi) '
                      "VALUES (?, 'diplomatic', ?, ?, ?, ?, ?, ?, ?, ?)",
                      (f"r{k}", a, b, s_text, s_lo, s_hi, e_text, e_lo, e_hi))
        rid = c.execute(f"SELECT rid FROM {table} WHERE id = ?", (f"{table[0] if table != 'posting' else 't'}{k}",)
                        ).fetchone()[0]
        for src in rnd.sample(range(7), rnd.choice([0, 0, 1, 2, 3])):
            c.execute("INSERT INTO citation(fact_table, fact_rid, source) VALUES (?, ?, ?)", (table, rid, f"s{src}"))


@pytest.fixture
def random_db(empty_db):
    from dossier.storage.connection import atomic

    with atomic(empty_db):
        _fill(empty_db)
    return empty_db


def _same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)]))


@pytest.mark.parametrize("which", ["sample", "random"])
def test_column_load_matches_the_row_by_row_reference(which, sample_db, random_db):
    db = sample_db if which == "sample" else random_db
    d = tl.load(db)
    ref = _reference_rows(db)
    assert sorted(d.key.tolist()) == sorted(ref)
    today = d.today
    for i, key in enumerate(d.key.tolist()):
        kind, s_lo, s_hi, e_lo, e_hi, flags, grade, country = ref[key]
        assert tl.KINDS[d.kind[i]] == (kind.split(":")[0] if kind.split(":")[0] in tl.KIND_INDEX else "other")
        assert d.grade[i] == (grade or 0), key
        assert tl.unpack_country(int(d.country[i])) == country
        # the derived dates, as the original load computed them
        f = flags
        if s_lo is None and e_lo is not None:
            s_lo = s_hi = e_lo
            f |= tl.UNCERTAIN
        if e_lo is None and not f & (tl.END_UNKNOWN | tl.ONGOING):
            e_lo, e_hi = s_lo, s_hi
        if f & tl.ONGOING:
            e_lo = e_hi = max(today, s_hi) if s_hi is not None else today
        if f & tl.END_UNKNOWN:
            e_lo = e_hi = s_hi
        assert d.flags[i] == f, key
        assert _same([d.s_lo[i], d.s_hi[i], d.e_lo[i], d.e_hi[i]],
                     [np.nan if v is None else v for v in (s_lo, s_hi, e_lo, e_hi)]), key
    got = {(int(d.key[i]), d.entities[j]["id"]) for i, j in zip(d.mem_item, d.mem_lane, strict=True)}
    assert got == _reference_memberships(db)
    assert len(got) == len(d.mem_item)  # one membership per (item, lane), whatever the roles
    if which == "random":
        assert (d.grade > 0).sum() > 50 and len(set(d.flags.tolist())) >= 6 and len(d.countries()) == 5


def test_window_load_is_the_overlapping_part(random_db):
    full = tl.load(random_db)
    lo, hi = 729000, 730500
    part = tl.load(random_db, (lo, hi))
    spans = {r[0]: (r[1], r[2]) for r in random_db.conn.execute("SELECT id, lo, hi FROM timeline_span")}
    want = {k for k, (a, b) in spans.items() if k & 3 < 3 and a <= hi and b >= lo}
    assert set(part.key.tolist()) == want and 0 < len(want) < len(full.key)
    i = {k: n for n, k in enumerate(full.key.tolist())}
    for n, k in enumerate(part.key.tolist()):
        assert part.grade[n] == full.grade[i[k]] and part.flags[n] == full.flags[i[k]]


def test_layout_of_the_column_load_keeps_lanes_and_rows(random_db):
    lay = tl.layout(tl.load(random_db))
    d = lay.data
    checked = 0
    for li, lane in enumerate(lay.lanes):
        rows = lay.lane_rows(li)  # a lane's rows are one range of the sorted rows
        assert set(rows.tolist()) == set(np.flatnonzero(lay.r_lane == li).tolist())
        if lane.kind == "group":
            continue
        # sub-rows: the loop over the lane's points, then its ranges, in start order
        items = lay.r_item[rows]
        is_range = (d.e_lo[items] > d.s_hi[items]) | (d.kind[items] == tl.KIND_INDEX["posting"])
        o = np.lexsort((items, d.s_lo[items], is_range))
        rows, items, is_range = rows[o], items[o], is_range[o]
        pts, rgs = ~is_range, is_range
        sub_p, ends_p = first_fit_reference(d.s_lo[items[pts]].tolist(), (d.e_hi[items[pts]] + 1).tolist(),
                                            tl.MAX_SUBROWS)
        sub_r, ends_r = first_fit_reference(d.s_lo[items[rgs]].tolist(), (d.e_hi[items[rgs]] + 1).tolist(),
                                            tl.MAX_SUBROWS)
        assert lane.rows == max(1, len(ends_p) + len(ends_r))
        assert (lay.r_y[rows[pts]] == lane.top + np.array(sub_p)).all()
        assert (lay.r_y[rows[rgs]] == lane.top + len(ends_p) + np.array(sub_r)).all()
        checked += len(rows)
    assert checked == len(lay.r_item) > 500


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_first_fit_is_the_loop(seed):
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(1, 60))
    parts = []
    for g in range(n_groups):
        n = int(rng.choice([1, 2, 5, 40, 300]))
        spread = float(rng.choice([10, 400, 20000]))
        s = np.sort(rng.integers(700000, 700000 + spread, n)).astype(float)
        length = rng.choice([1, 1, 30, 365, 2000], n).astype(float)
        parts.append((np.full(n, g), s, s + length))
    if seed % 2:  # one very long cluster, so that the loop finishes it
        s = np.sort(rng.integers(700000, 700050, 3000)).astype(float)
        parts.append((np.full(3000, n_groups), s, s + 400))
    group = np.concatenate([p[0] for p in parts])
    start = np.concatenate([p[1] for p in parts])
    end = np.concatenate([p[2] for p in parts])
    for cap in (1, 3):
        sub, rows = first_fit(start, end, group, cap)
        for g in np.unique(group):
            m = group == g
            want, ends = first_fit_reference(start[m].tolist(), end[m].tolist(), cap)
            assert sub[m].tolist() == want
            assert (rows[m] == len(ends)).all()


def test_merged_spans_cover_exactly_the_union():
    from dossier.plotting.timeline_paint import merge_spans

    rng = np.random.default_rng(2)
    x0 = rng.uniform(0, 1000, 400)
    x1 = x0 + rng.uniform(1, 80, 400)
    y = rng.choice([10.0, 30.0, 50.0], 400)
    m0, m1, my = merge_spans(x0, x1, y)
    assert len(m0) < 200
    grid = np.arange(0, 1100, 0.25)
    for row in (10.0, 30.0, 50.0):
        want = ((grid[:, None] >= x0[y == row]) & (grid[:, None] <= x1[y == row])).any(axis=1)
        got = ((grid[:, None] >= m0[my == row]) & (grid[:, None] <= m1[my == row])).any(axis=1)
        assert (want == got).all()
        starts = np.sort(m0[my == row])
        ends = m1[my == row][np.argsort(m0[my == row])]
        assert (starts[1:] > ends[:-1]).all()  # disjoint
