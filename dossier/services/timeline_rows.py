"""Sub-rows within a lane, vectorised: greedy first-fit in start order, at most `cap` rows.

The rule (what a plain loop over the items would do, `first_fit_reference`): items of one group (a
lane's points, or its ranges) taken in start order go to the first sub-row whose last item has ended;
if none has and fewer than `cap` rows exist, to a new row; otherwise to the row that ends first (its
end becomes the later of the two).  A million items must not pass through that Python loop, so:

* a group splits into *clusters* where an item starts after everything before it has ended; every
  cluster starts with all rows free, so clusters are independent (and a singleton goes to row 0);
* clusters advance in lock step, one numpy step per position within a cluster, all clusters at once;
* when only a few long clusters are left, the loop finishes them (bounded cost either way).
"""

from __future__ import annotations

import numpy as np

_BIG = float(1 << 23)  # > any day ordinal (9999-12-31 is 3,652,059): separates groups in one running max
_FEW = 24  # clusters still running below which the plain loop is cheaper than a numpy step


def first_fit_reference(start: list[float], end: list[float], cap: int, ends: list[float] | None = None
                        ) -> tuple[list[int], list[float]]:
    """The rule as a loop, for one group (or the rest of one cluster, given its row `ends`)."""
    ends = [] if ends is None else ends
    sub = []
    for s, e in zip(start, end, strict=True):
        for r, last in enumerate(ends):
            if last <= s:
                ends[r] = e
                sub.append(r)
                break
        else:
            if len(ends) < cap:
                ends.append(e)
                sub.append(len(ends) - 1)
            else:
                r = min(range(len(ends)), key=ends.__getitem__)
                ends[r] = max(ends[r], e)
                sub.append(r)
    return sub, ends


def first_fit(start: np.ndarray, end: np.ndarray, group: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Sub-row of every item and the number of rows of every item's group.

    `start`, `end` (float days, end exclusive) and `group` (int) are sorted by (group, start).  Returns
    (sub, rows) with `rows[j]` the row count of item j's group (min(cap, the most items overlapping at
    once))."""
    n = len(start)
    sub = np.zeros(n, np.int64)
    if not n:
        return sub, np.zeros(0, np.int64)
    g = group.astype(np.float64) * _BIG
    first_in_group = np.r_[True, group[1:] != group[:-1]]
    reach = np.maximum.accumulate(end + g)  # running max of ends, never mixing groups
    new = first_in_group | (start + g >= np.r_[-np.inf, reach[:-1]])
    c_start = np.flatnonzero(new)
    c_len = np.diff(np.r_[c_start, n])
    n_rows_c = np.ones(len(c_start), np.int64)
    multi = np.flatnonzero(c_len > 1)
    if len(multi):
        order = multi[np.argsort(-c_len[multi], kind="stable")]  # longest first: the active set is a prefix
        lens = c_len[order]
        starts = c_start[order]
        row_ends = np.full((len(order), cap), -np.inf)
        nrows = np.zeros(len(order), np.int64)
        cols = np.arange(cap)
        k = 0
        active = len(order)
        while active and not (active < _FEW and lens[0] - k > 4 * _FEW):
            j = starts[:active] + k
            s, e = start[j], end[j]
            re, nr = row_ends[:active], nrows[:active]
            free = (re <= s[:, None]) & (cols[None, :] < nr[:, None])
            has_free = free.any(axis=1)
            create = ~has_free & (nr < cap)
            r = np.where(has_free, free.argmax(axis=1), np.where(create, nr, re.argmin(axis=1)))
            pick = np.arange(active)
            new_end = np.where(has_free | create, e, np.maximum(re[pick, r], e))
            row_ends[pick, r] = new_end
            nrows[:active] += create
            sub[j] = r
            k += 1
            while active and lens[active - 1] <= k:
                active -= 1
        for a in range(active):  # the few long clusters left: the loop, from position k on
            lo, hi = starts[a] + k, starts[a] + lens[a]
            ends = row_ends[a, :nrows[a]].tolist()
            got, ends = first_fit_reference(start[lo:hi].tolist(), end[lo:hi].tolist(), cap, ends)
            sub[lo:hi] = got
            nrows[a] = len(ends)
        n_rows_c[order] = nrows
    # rows of a group: the most any of its clusters used
    c_group = group[c_start]
    g_first = np.r_[True, c_group[1:] != c_group[:-1]]
    g_rows = np.maximum.reduceat(n_rows_c, np.flatnonzero(g_first))
    g_index = np.cumsum(first_in_group) - 1
    return sub, g_rows[g_index]
