"""The timeline's model (Qt-free): items as numpy columns, lanes, grouping, order, filters, layout.

`load(db)` reads every item once (integer columns, no per-row date parsing) and `layout(data, opts)`
turns it into what the drawing code needs: lanes top to bottom (grouped, ordered, collapsible), one
*row* per (item, lane) membership sorted by (lane, start) with its sub-row, x in seconds since the
epoch (docs/conventions.md) for the earliest/latest start and end, and per-lane prefix sums of starts
and ends that answer "how many items overlap this window in this lane" in O(1).  `dossier.services.
timeline_view.frame(...)` then picks what one frame shows.  Honest dates: x0..x0s is the possible
start (a year-precise start spans its year), x1s..x1 the possible end; the certain part is x0s..x1s.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from dossier.domain.timeaxis import DAY, EPOCH_ORDINAL
from dossier.services import timeline_compact
from dossier.services.timeline_rows import first_fit
from dossier.storage import timeline_queries as tq

APPROX, UNCERTAIN, ONGOING, END_UNKNOWN = tq.APPROX, tq.UNCERTAIN, tq.ONGOING, tq.END_UNKNOWN
KINDS = ["posting", "meeting", "visit", "summit", "signing", "statement", "announcement", "sanction", "other",
         "relation"]
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
GROUPINGS = ("kind", "country")
ORDERS = ("name", "first", "activity")
GROUP_TITLES = {"person": "People", "organization": "Organisations", "country": "States"}
MAX_SUBROWS = 3  # per lane, for point events and for ranges each; beyond that items share a sub-row
SHORT_DAYS = 366  # rows longer than this are "long" and searched separately (see timeline_view)
MAX_DENSITY_CELLS = 8_000_000


def day_to_x(day: np.ndarray | float) -> np.ndarray | float:
    return (day - EPOCH_ORDINAL) * DAY


def pack_country(code: str | None) -> int:
    """A country code as the integer `timeline_queries.item_columns` writes (0 for none)."""
    if not code:
        return 0
    c = (code + "\0\0\0")[:3]
    return (ord(c[0]) << 42) | (ord(c[1]) << 21) | ord(c[2])


def unpack_country(v: int) -> str | None:
    if not v:
        return None
    return "".join(chr(x) for x in ((v >> 42) & 0x1FFFFF, (v >> 21) & 0x1FFFFF, v & 0x1FFFFF) if x)


@dataclass
class Data:
    """Every item, one entry per item (index i), plus lane memberships."""

    key: np.ndarray  # int64: rid * 4 + table code
    kind: np.ndarray  # int8 index into KINDS
    s_lo: np.ndarray  # float64 day ordinals; NaN where unknown
    s_hi: np.ndarray
    e_lo: np.ndarray
    e_hi: np.ndarray
    flags: np.ndarray  # int8 APPROX | UNCERTAIN | ONGOING | END_UNKNOWN
    grade: np.ndarray  # int8 1 (A) .. 6 (F), 0 ungraded
    country: np.ndarray  # int64 packed country code (`pack_country`), 0 for none
    mem_item: np.ndarray  # int64 item index, one per membership
    mem_lane: np.ndarray  # int64 index into `entities`
    entities: list[dict]  # id, kind, name, sort_name, country
    eras: list[tuple]
    today: int = field(default_factory=lambda: today_ordinal())  # where open-ended spans end

    def __post_init__(self) -> None:
        if self.country.dtype == object:  # country codes as text (None for none)
            self.country = np.array([pack_country(c) for c in self.country], dtype=np.int64)

    @property
    def dated(self) -> np.ndarray:
        return ~np.isnan(self.s_lo)

    def countries(self) -> list[str]:
        """The distinct country codes of the items, sorted."""
        return sorted(unpack_country(int(v)) for v in np.unique(self.country) if v)

    def index_of_key(self, key: int) -> int | None:
        pos = np.nonzero(self.key == key)[0]
        return int(pos[0]) if len(pos) else None


def empty_data() -> Data:
    """No items (what the timeline shows while another database loads)."""
    z = np.zeros(0)
    zi = np.zeros(0, np.int64)
    return Data(zi, np.zeros(0, np.int8), z, z, z, z, np.zeros(0, np.int8), np.zeros(0, np.int8), zi, zi, zi, [], [])


class Cancelled(Exception):
    """Raised by a progress callback to stop a load."""


BACKGROUND_ITEMS = 50_000  # more items than this (estimated) load off the UI thread


def load_in_background(db: sqlite_utils.Database) -> bool:
    """Whether loading `db` takes long enough to belong off the UI thread (an O(log n) estimate)."""
    return tq.item_count_estimate(db) > BACKGROUND_ITEMS


def interrupt(db: sqlite_utils.Database) -> None:
    """Stop a `load` running on `db` in another thread: it raises `Cancelled`."""
    tq.interrupt(db)


def today_ordinal() -> int:
    """The machine's date, the only place the timeline reads it: the screen's default "today".  A
    printed dossier passes its as-of date instead (`load(..., today=...)`), so it does not change with
    the day it is printed."""
    return _dt.date.today().toordinal()


def load(db: sqlite_utils.Database, window: tuple[int, int] | None = None,
         progress: Callable[[float, str], None] | None = None, *, today: int | None = None) -> Data:
    """Read the items (all, or those overlapping `window` in day ordinals, through the index): a few
    aggregate queries whose columns numpy parses, no Python object per item.  `progress(fraction,
    what)` is called between steps (it may raise `Cancelled`); `interrupt(db)` from another thread
    stops a query under way (`Cancelled` too).  `today` (a day ordinal; default: the machine's date) is
    where ongoing spans end and the "today" marker stands."""
    from dossier.services.timeline_load import read  # the reading itself, in its own module

    try:
        return read(db, window, progress or (lambda f, what: None), today_ordinal() if today is None else int(today))
    except tq.Interrupted as e:
        raise Cancelled(str(e)) from e


@dataclass
class Filter:
    kinds: set[str] | None = None  # KINDS to show; None = all
    countries: set[str] | None = None  # item country codes; None = all
    lane_text: str = ""  # keep lanes whose name contains this (case-insensitive)
    max_grade: int = 0  # 1 = A only .. 6; 0 = no grade filter (ungraded items hidden when set)
    window: tuple[int, int] | None = None  # day ordinals: items overlapping it

    def active(self) -> bool:
        return bool(self.kinds is not None or self.countries is not None or self.lane_text or self.max_grade
                    or self.window)


@dataclass
class Options:
    grouping: str = "kind"
    order: str = "name"
    collapsed: set[str] = field(default_factory=set)  # group keys
    lanes: list[str] | None = None  # only these entity ids, in this order (export --lanes)
    filter: Filter = field(default_factory=Filter)
    show_empty: bool = False


@dataclass
class Lane:
    entity: str  # entity id, or the group key for a header
    kind: str  # person / organization / country / group
    name: str
    group: str
    top: float  # first row (y) of the lane
    rows: int  # sub-rows
    count: int = 0  # dated items drawn
    undated: int = 0
    collapsed: bool = False

    @property
    def center(self) -> float:
        return self.top + self.rows / 2


@dataclass
class Layout:
    data: Data
    lanes: list[Lane]  # including group headers, top to bottom
    lane_top: np.ndarray  # float64 top row of every lane (for searchsorted)
    total_rows: float
    # one row per drawn membership, sorted by (lane, long, start)
    r_item: np.ndarray
    r_lane: np.ndarray
    r_y: np.ndarray  # top of the sub-row
    r_long: np.ndarray  # bool
    r_key: np.ndarray  # int64 sort key: ((lane * 2 + long) << 32) + start day offset
    x0: np.ndarray  # seconds: earliest start
    x0s: np.ndarray  # latest start (the certain part begins)
    x1s: np.ndarray  # earliest end (the certain part ends)
    x1: np.ndarray  # latest end
    day0: int  # day ordinal offset for sort keys and density buckets
    res: int  # days per density bucket
    starts_cum: np.ndarray  # (lanes, buckets + 1) int32: rows starting before bucket b
    ends_cum: np.ndarray  # rows ending before bucket b
    long_reach: np.ndarray  # per lane: the longest "long" row in days
    item_rows: dict = field(default_factory=dict)  # "order": rows by item, "items": their items (lazily)
    x_range: tuple[float, float] = (0.0, 1.0)
    # compact geometry (services.timeline_compact): busy lanes one row tall, drawn as density
    compact: bool = False
    lane_compressed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    geometry: dict = field(default_factory=dict)

    def rows_of_item(self, i: int) -> np.ndarray:
        if not self.item_rows:
            order = np.argsort(self.r_item, kind="stable")
            self.item_rows.update(order=order, items=self.r_item[order])
        items = self.item_rows["items"]
        lo, hi = np.searchsorted(items, i), np.searchsorted(items, i, side="right")
        return self.item_rows["order"][lo:hi]

    def lane_rows(self, lane: int) -> np.ndarray:
        """Row indices of one lane (rows are sorted by lane first), as a range."""
        lo = np.searchsorted(self.r_key, (lane * 2) << 32)
        hi = np.searchsorted(self.r_key, (lane * 2 + 2) << 32)
        return np.arange(lo, hi)

    def lane_of_entity(self, entity: str) -> int | None:
        for i, lane in enumerate(self.lanes):
            if lane.entity == entity and lane.kind != "group":
                return i
        return None


def _item_mask(d: Data, flt: Filter) -> np.ndarray:
    keep = np.ones(len(d.key), dtype=bool)
    if flt.kinds is not None:
        keep &= np.isin(d.kind, [KIND_INDEX[k] for k in flt.kinds if k in KIND_INDEX])
    if flt.countries is not None:
        keep &= np.isin(d.country, [pack_country(c) for c in flt.countries])
    if flt.max_grade:
        keep &= (d.grade > 0) & (d.grade <= flt.max_grade)
    if flt.window:
        lo, hi = flt.window
        keep &= d.dated & (d.s_lo <= hi) & (d.e_hi >= lo)
    return keep


def _lane_order(d: Data, opts: Options, ent_ix: np.ndarray, counts: np.ndarray, first: np.ndarray) -> list[int]:
    ents = d.entities

    def name_key(i: int) -> str:
        return ents[i]["sort_name"].casefold()

    if opts.order == "first":
        return sorted(ent_ix, key=lambda i: (first[i], name_key(i)))
    if opts.order == "activity":
        return sorted(ent_ix, key=lambda i: (-counts[i], name_key(i)))
    return sorted(ent_ix, key=name_key)


def layout(d: Data, opts: Options | None = None) -> Layout:
    opts = opts or Options()
    keep_item = _item_mask(d, opts.filter)
    m_keep = keep_item[d.mem_item] if len(d.mem_item) else np.zeros(0, bool)
    mi, ml = d.mem_item[m_keep], d.mem_lane[m_keep]
    n_ent = len(d.entities)
    dated_m = d.dated[mi] if len(mi) else np.zeros(0, bool)
    counts = np.bincount(ml[dated_m], minlength=n_ent) if len(ml) else np.zeros(n_ent, np.int64)
    undated = np.bincount(ml[~dated_m], minlength=n_ent) if len(ml) else np.zeros(n_ent, np.int64)
    first = np.full(n_ent, np.inf)
    if dated_m.any():
        np.minimum.at(first, ml[dated_m], d.s_lo[mi[dated_m]])
    text = opts.filter.lane_text.casefold().strip()
    if opts.lanes is not None:
        chosen = [i for i, e in enumerate(d.entities) if e["id"] in set(opts.lanes)]
        pos = {e: k for k, e in enumerate(opts.lanes)}
        chosen.sort(key=lambda i: pos[d.entities[i]["id"]])
        groups = {"selection": chosen}
        titles = {"selection": ""}
    else:
        visible = [i for i, e in enumerate(d.entities)
                   if (opts.show_empty or counts[i] + undated[i] > 0)
                   and (not text or text in e["name"].casefold() or text in e["sort_name"].casefold())]
        groups, titles = {}, {}
        if opts.grouping == "country":
            for i in visible:
                g = d.entities[i]["country"] or "—"
                groups.setdefault(g, []).append(i)
            names = {e["id"]: e["name"] for e in d.entities if e["kind"] == "country"}
            titles = {g: names.get(g, g if g != "—" else "No country") for g in groups}
            order_g = sorted(groups, key=lambda g: (g == "—", titles[g].casefold()))
            groups = {g: groups[g] for g in order_g}
        else:
            for k in ("person", "organization", "country"):
                members = [i for i in visible if d.entities[i]["kind"] == k]
                if members:
                    groups[k] = members
                    titles[k] = GROUP_TITLES[k]
    # sub-rows per lane, greedy first-fit over each lane's rows in start order (points and ranges apart)
    dated = dated_m
    mi_d, ml_d = mi[dated], ml[dated]
    start = d.s_lo[mi_d]
    end = d.e_hi[mi_d] + 1
    is_range = (d.e_lo[mi_d] > d.s_hi[mi_d]) | (d.kind[mi_d] == KIND_INDEX["posting"])
    d_lo = float(np.nanmin(d.s_lo)) if len(start) else 0.0
    # by lane, points before ranges, start (one int64 key: faster than a lexsort)
    order = np.argsort(((ml_d * 2 + is_range) << 32) + (start - d_lo).astype(np.int64), kind="stable")
    mi_d, ml_d, start, end, is_range = mi_d[order], ml_d[order], start[order], end[order], is_range[order]
    sub, group_rows = first_fit(start, end, ml_d * 2 + is_range, MAX_SUBROWS)
    n_point_rows = np.zeros(n_ent, np.int64)
    n_range_rows = np.zeros(n_ent, np.int64)
    n_point_rows[ml_d[~is_range]] = group_rows[~is_range]
    n_range_rows[ml_d[is_range]] = group_rows[is_range]
    # lanes top to bottom
    lanes: list[Lane] = []
    lane_pos = np.full(n_ent, -1, np.int64)
    y = 0.0
    for g, members in groups.items():
        collapsed = g in opts.collapsed
        if titles.get(g):
            lanes.append(Lane(g, "group", titles[g], g, y, 1, int(sum(counts[i] for i in members)),
                              int(sum(undated[i] for i in members)), collapsed))
            y += 1
        if collapsed:
            continue
        for i in (members if opts.lanes is not None else _lane_order(d, opts, members, counts, first)):
            rows = max(1, int(n_point_rows[i] + n_range_rows[i]))
            e = d.entities[i]
            lane_pos[i] = len(lanes)
            lanes.append(Lane(e["id"], e["kind"], e["name"], g, y, rows, int(counts[i]), int(undated[i])))
            y += rows
    total = y
    # rows (memberships) in shown lanes
    lp = lane_pos[ml_d]
    shown = lp >= 0
    r_item, r_lanep, sub, is_range = mi_d[shown], lp[shown], sub[shown], is_range[shown]
    ent_of = ml_d[shown]
    tops = np.array([ln.top for ln in lanes], dtype=np.float64)
    r_y = tops[r_lanep] + np.where(is_range, n_point_rows[ent_of] + sub, sub) if len(r_lanep) else np.zeros(0)
    s_lo, s_hi, e_lo, e_hi = d.s_lo[r_item], d.s_hi[r_item], d.e_lo[r_item], d.e_hi[r_item]
    length = e_hi - s_lo
    r_long = length > SHORT_DAYS
    dmin = int(np.nanmin(d.s_lo)) if d.dated.any() else d.today
    dmax = int(max(np.nanmax(d.e_hi) if d.dated.any() else d.today, d.today))
    sk = ((r_lanep * 2 + r_long) << 32) + (s_lo - dmin).astype(np.int64)
    o = np.argsort(sk, kind="stable")
    r_item, r_lanep, r_y, r_long, sk = r_item[o], r_lanep[o], r_y[o], r_long[o], sk[o]
    s_lo, s_hi, e_lo, e_hi = s_lo[o], s_hi[o], e_lo[o], e_hi[o]
    # density prefix sums
    nl = max(1, len(lanes))
    span_days = dmax - dmin + 2
    # buckets: finer than any density column needs, in proportion to the rows (a small layout does not
    # allocate and sum millions of empty cells), at most MAX_DENSITY_CELLS
    cells_wanted = min(MAX_DENSITY_CELLS, max(1 << 20, 16 * len(r_item)))
    res = max(1, int(np.ceil(span_days * nl / cells_wanted)))
    nb = span_days // res + 2
    sb = ((s_lo - dmin) // res).astype(np.int64)
    eb = ((e_hi - dmin) // res).astype(np.int64) + 1  # ends before bucket eb
    cells = nl * (nb + 1)
    starts = np.bincount(r_lanep * (nb + 1) + sb + 1, minlength=cells).astype(np.int32).reshape(nl, nb + 1)
    ends_ = np.bincount(r_lanep * (nb + 1) + np.minimum(eb + 1, nb), minlength=cells).astype(np.int32)
    ends_ = ends_.reshape(nl, nb + 1)
    np.cumsum(starts, axis=1, out=starts)
    np.cumsum(ends_, axis=1, out=ends_)
    long_reach = np.zeros(nl, np.float64)
    if r_long.any():
        np.maximum.at(long_reach, r_lanep[r_long], (e_hi - s_lo)[r_long] + 1)
    x_lo = day_to_x(dmin) if d.dated.any() else day_to_x(d.today - 365)
    x_hi = day_to_x(dmax + 1)
    lay = Layout(d, lanes, tops, total, r_item, r_lanep, r_y, r_long, sk,
                 day_to_x(s_lo), day_to_x(s_hi + 1), day_to_x(e_lo), day_to_x(e_hi + 1), dmin, res,
                 starts, ends_, long_reach, x_range=(float(x_lo), float(x_hi)))
    timeline_compact.prepare(lay)
    return lay


def precision_of(lo: float, hi: float) -> str:
    w = hi - lo
    return "day" if w < 1 else "month" if w <= 31 else "year" if w <= 366 else "range"
