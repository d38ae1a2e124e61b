"""The timeline plot: lanes of items on a UTC date axis, drawn by custom pyqtgraph items that paint
what one frame shows in a handful of calls (ARCHITECTURE.md practice 11).

`TimelineItems.paint` asks `services.timeline_view.frame` what is visible, switches to device pixels
and draws lane stripes, density strips (one image), bars (one `drawRects` per colour and step of the
fade), markers (one `drawPixmapFragments` per kind and style), connectors (one `drawLines`) and the
labels that fit.  Bounds are exact (the layout's extent).  x is seconds since the epoch, UTC.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from dossier.domain.timeaxis import ordinal_to_x
from dossier.plotting import timeline_paint as tp
from dossier.plotting import timeline_style as st
from dossier.services import timeline_view as tv
from dossier.services.timeline import APPROX, END_UNKNOWN, KIND_INDEX, ONGOING, UNCERTAIN, Layout, today_ordinal

BAR_KINDS = np.array([KIND_INDEX["posting"], KIND_INDEX["relation"]])
FADE_STEPS = (0.18, 0.38, 0.6, 0.82)
LABEL_LIMIT = 400  # labels are looked up and laid out only when at most this many items are drawn
WHISKER = QColor(90, 90, 90, 140)
# connectors: the translucent purple (120, 60, 140, 170) as it looks over a lane, opaque, because
# blending tall thin shapes costs a call per pixel row (5 ms for a hundred connectors, 0.3 opaque)
CONNECTOR = QColor(*(round(b + (f - b) * 170 / 255) for f, b in zip((120, 60, 140), st.LANE_BG[0].getRgb()[:3],
                                                                      strict=True)))


def _rects(n: int) -> internals.PrimitiveArray:
    a = internals.PrimitiveArray(QRectF, 4)
    a.resize(n)
    return a


class TimelineItems(pg.GraphicsObject):
    """Every item of a layout; paints only the frame's visible part."""

    def __init__(self, labels: Callable[[list[int]], dict[int, str]] | None = None):
        super().__init__()
        self.layout: Layout | None = None
        self.labels = labels or (lambda keys: {})
        self.selected_rows: set[int] = set()
        self.selected_item: int | None = None
        self.last_frame: tv.Frame | None = None
        self.px_per_sec = 1.0
        self.tail_px = 36.0
        self._view_cache: dict = {}
        self._lanes_cache: dict = {}
        self._statics = tp.StaticTexts()

    def set_layout(self, lay: Layout) -> None:
        self.prepareGeometryChange()
        self.layout = lay
        self.selected_rows = set()
        self._view_cache, self._lanes_cache = {}, {}
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        if self.layout is None:
            return QRectF()
        x0, x1 = self.layout.x_range
        return QRectF(x0, 0, x1 - x0, max(self.layout.total_rows, 1))

    def paint(self, p: QPainter, *args) -> None:
        lay = self.layout
        vb = self.getViewBox()
        if lay is None or vb is None:
            return
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        t = p.transform()
        sx, ox, sy, oy = t.m11(), t.dx(), t.m22(), t.dy()
        width_px = abs(sx * (vx1 - vx0))
        self.px_per_sec = abs(sx)
        # a repaint of the same view (e.g. a grab after an update) reuses the frame and density image
        key = (id(lay), lay.compact, vx0, vx1, vy0, vy1, sx, sy)
        if self._view_cache.get("key") != key:
            fr = tv.frame(lay, vx0, vx1, min(vy0, vy1), max(vy0, vy1), width_px)
            self._view_cache = {"key": key, "frame": fr}
        fr = self._view_cache["frame"]
        self.last_frame = fr
        p.save()
        p.resetTransform()
        left, right = ox + sx * vx0, ox + sx * vx1
        if fr.density is not None:  # the density image holds the lane stripes too
            self._density(p, lay, fr, left, right, sy, oy)
        else:
            self._stripes(p, lay, fr, left, right, sy, oy)
        rows = fr.rows
        if len(rows):
            self._items(p, lay, rows, sx, ox, sy, oy, left, right)
        p.restore()

    # --- parts ----------------------------------------------------------------------------------
    def _lane_arrays(self, lay: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Tops, heights (rows) and group flags of the lanes, for the layout's current geometry."""
        k = (id(lay), lay.compact)
        if self._lanes_cache.get("key") != k:
            tops = np.array([ln.top for ln in lay.lanes], dtype=np.float64)
            rows = np.array([ln.rows for ln in lay.lanes], dtype=np.float64)
            group = np.array([ln.kind == "group" for ln in lay.lanes], dtype=bool)
            self._lanes_cache = {"key": k, "value": (tops, rows, group)}
        return self._lanes_cache["value"]

    def _stripes(self, p, lay, fr, left, right, sy, oy) -> None:
        tops, rows, group = self._lane_arrays(lay)
        idx = np.arange(fr.lane_lo, fr.lane_hi)
        for parity, colour in enumerate(st.LANE_BG):
            i = idx[(idx % 2 == parity) & ~group[idx]]
            tp.fill_rects(p, np.full(len(i), left), oy + sy * tops[i], right - left, sy * rows[i], colour)
        i = idx[group[idx]]
        tp.fill_rects(p, np.full(len(i), left), oy + sy * tops[i], right - left, sy * rows[i], st.GROUP_BG)

    def _density(self, p, lay, fr, left, right, sy, oy) -> None:
        cached = self._view_cache.get("density")
        if cached is None:
            _tops, rows, group = self._lane_arrays(lay)
            idx = np.arange(fr.lane_lo, fr.lane_hi)
            colours = [st.LANE_BG[0], st.LANE_BG[1], st.GROUP_BG]
            rgb = np.array([[c.red(), c.green(), c.blue()] for c in colours])
            background = rgb[np.where(group[idx], 2, idx % 2)]
            cached = tp.density_image(fr.density, fr.dense, rows[fr.lane_lo:fr.lane_hi], background)
            self._view_cache["density"] = cached
        y_top = oy + sy * lay.lanes[fr.lane_lo].top
        last = lay.lanes[fr.lane_hi - 1]
        y_bot = oy + sy * (last.top + last.rows)
        p.drawImage(QRectF(left, y_top, right - left, y_bot - y_top), cached[0])

    def _items(self, p, lay, rows, sx, ox, sy, oy, left, right) -> None:
        d = lay.data
        items = lay.r_item[rows]
        kind = d.kind[items]
        flags = d.flags[items]
        px0, px0s = ox + sx * lay.x0[rows], ox + sx * lay.x0s[rows]
        px1s, px1 = ox + sx * lay.x1s[rows], ox + sx * lay.x1[rows]
        ytop = oy + sy * (lay.r_y[rows] + 0.18)
        hpx = sy * 0.64
        bar = np.isin(kind, BAR_KINDS) | (px1s - px0s > 3)
        style = np.where(flags & UNCERTAIN, 2, np.where(flags & APPROX, 1, 0))
        p.setPen(Qt.PenStyle.NoPen)
        # bars: certain part solid, possible start/end fading in steps
        for k in np.unique(kind[bar]):
            sel = bar & (kind == k)
            base = st.colour(int(k))
            for s in (0, 1, 2):
                m = sel & (style == s)
                if not m.any():
                    continue
                a0, a1 = np.maximum(px0s[m], left - 5), np.minimum(px1s[m], right + 5)
                ok = a1 > a0
                a0, a1, yy = a0[ok], np.maximum(a1[ok], a0[ok] + 1.0), ytop[m][ok]
                if s == 0:  # solid, no outline: piled-up bars of a row are one fill
                    a0, a1, yy = tp.merge_spans(a0, a1, yy)
                self._draw(p, a0, yy, a1 - a0, hpx, base, s)
                # a possible start or end narrower than a pixel has nothing to fade across
                f0 = m & (px0s - px0 >= 1) & (px0s >= left - 5) & (px0 <= right + 5)
                f1 = m & (px1 - px1s >= 1) & (px1 >= left - 5) & (px1s <= right + 5)
                tail = m & ((flags & END_UNKNOWN) != 0) & (px1 <= right + 5)
                w0 = (px0s[f0] - px0[f0]) / 4
                w1 = (px1[f1] - px1s[f1]) / 4
                for j, frac in enumerate(FADE_STEPS):
                    c = QColor(base)
                    c.setAlphaF(frac)
                    self._draw(p, px0[f0] + j * w0, ytop[f0], np.maximum(w0, 0.6), hpx, c, s)
                    c.setAlphaF(FADE_STEPS[3 - j])
                    self._draw(p, px1s[f1] + j * w1, ytop[f1], np.maximum(w1, 0.6), hpx, c, s)
                    if tail.any():  # unknown end: fades out over a fixed distance (no date claimed)
                        c.setAlphaF(FADE_STEPS[3 - j] * 0.5)
                        self._draw(p, px1[tail] + j * self.tail_px / 4, ytop[tail], self.tail_px / 4, hpx, c, s)
        on = bar & ((flags & ONGOING) != 0)
        for x, y in zip(px1[on], ytop[on], strict=True):  # ongoing: an open end pointing on
            p.setBrush(st.colour(KIND_INDEX["posting"]).darker(120))
            p.drawPolygon([QPointF(x, y - 2), QPointF(x + 8, y + hpx / 2), QPointF(x, y + hpx + 2)])
        # points: a whisker over the possible dates, the marker in its middle
        pts = ~bar
        mid = (px0 + px1) / 2
        yc = ytop + hpx / 2
        wide = pts & (px1 - px0 > 4)
        if wide.any():  # 1.5 px lines, as rectangles (a filled rectangle is far cheaper than a wide pen)
            a0, a1 = np.maximum(px0[wide], left - 5), np.minimum(px1[wide], right + 5)
            tp.fill_rects(p, a0, yc[wide] - 0.75, a1 - a0, 1.5, WHISKER)
        self._connectors(p, lay, rows, items, np.where(bar, px0, mid), yc, kind)
        for k in np.unique(kind[pts]):
            for s in (0, 1, 2):
                m = pts & (kind == k) & (style == s)
                if m.any():
                    self._stamp(p, st.marker_pixmap(int(k), s), mid[m], yc[m])
        self._selection(p, rows, bar, px0, px1, ytop, hpx, mid, yc, kind, style)
        if len(rows) <= LABEL_LIMIT:
            self._labels(p, lay, rows, items, bar, np.maximum(px0s, left), px1s, px1, mid, yc, ytop, hpx, right)

    @staticmethod
    def _draw(p, x, y, w, h, colour, style) -> None:
        if not len(x):
            return
        a = _rects(len(x))
        m = a.ndarray()
        m[:, 0], m[:, 1], m[:, 2], m[:, 3] = x, y, w, h
        pattern = (Qt.BrushStyle.SolidPattern, Qt.BrushStyle.SolidPattern, Qt.BrushStyle.BDiagPattern)[style]
        fill = QColor(colour)
        if style == 1:  # approximate: paler, dashed outline
            fill.setAlphaF(fill.alphaF() * 0.45)
        p.setPen(Qt.PenStyle.NoPen if style == 0 else QPen(QColor(colour).darker(130), 1, Qt.PenStyle.DashLine))
        p.setBrush(QBrush(fill, pattern))
        p.drawRects(*a.drawargs())

    @staticmethod
    def _stamp(p, pm, x, y) -> None:
        frags = internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        frags.resize(len(x))
        f = frags.ndarray()
        f[:, 0], f[:, 1] = x, y
        f[:, 2:4] = 0
        f[:, 4], f[:, 5] = pm.width(), pm.height()
        f[:, 6:8] = 1
        f[:, 8] = 0
        f[:, 9] = 1
        p.drawPixmapFragments(*frags.drawargs(), pm)

    def _connectors(self, p, lay, rows, items, x, yc, kind) -> None:
        if len(rows) < 2:
            return
        o = np.argsort(items, kind="stable")
        it = items[o]
        starts = np.flatnonzero(np.r_[True, it[1:] != it[:-1]])
        n = np.diff(np.r_[starts, len(it)])
        multi = n > 1
        if not multi.any():
            return
        ymin = np.minimum.reduceat(yc[o], starts)[multi]
        ymax = np.maximum.reduceat(yc[o], starts)[multi]
        xs = x[o][starts][multi]
        tp.fill_rects(p, xs - 0.7, ymin, 1.4, ymax - ymin, CONNECTOR)  # 1.4 px lines, as rectangles

    def _selection(self, p, rows, bar, px0, px1, ytop, hpx, mid, yc, kind, style) -> None:
        if not self.selected_rows:
            return
        sel = np.isin(rows, list(self.selected_rows))
        p.setPen(QPen(st.SELECT, 3))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for j in np.flatnonzero(sel & bar):
            p.drawRect(QRectF(px0[j] - 2, ytop[j] - 2, px1[j] - px0[j] + 4, hpx + 4))
        for j in np.flatnonzero(sel & ~bar):
            self._stamp(p, st.marker_pixmap(int(kind[j]), int(style[j]), True), mid[j:j + 1], yc[j:j + 1])

    def _labels(self, p, lay, rows, items, bar, px0s, px1s, px1, mid, yc, ytop, hpx, right) -> None:
        if hpx < 9:
            return
        keys = lay.data.key[items].tolist()
        found = self.labels(keys)
        texts = [found.get(k, "") for k in keys]
        solid = (lay.data.flags[items] & (APPROX | UNCERTAIN)) == 0
        tp.draw_labels(p, self._statics, texts, bar, solid, px0s, px1s, px1, mid, yc, lay.r_y[rows], hpx, right)


class EraBands(pg.GraphicsObject):
    """Background bands (eras) behind the lanes, with their titles at the top of the view."""

    def __init__(self):
        super().__init__()
        self.bands: list[tuple[float, float, float, float, str]] = []  # x0, x0s, x1s, x1, title
        self.height = 1.0
        # above the opaque lane stripes (which the items paint), translucent so items show through
        self.setZValue(5)

    def set_eras(self, eras: list[tuple], height: float, today: int | None = None) -> None:
        """`today`: where an ongoing era ends (the layout's data.today; default the machine's date)."""
        self.prepareGeometryChange()
        self.height = max(height, 1.0)
        self.bands = []
        for _key, _id, title, _kind, s_lo, s_hi, e_lo, e_hi, flags in eras:
            if s_lo is None:
                continue
            e_lo = e_lo if e_lo is not None else s_hi
            e_hi = e_hi if e_hi is not None else s_hi
            if flags & ONGOING:
                e_lo = e_hi = today_ordinal() if today is None else today
            self.bands.append((ordinal_to_x(s_lo), ordinal_to_x(s_hi + 1), ordinal_to_x(e_lo), ordinal_to_x(e_hi + 1),
                               title))
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        if not self.bands:
            return QRectF()
        x0 = min(b[0] for b in self.bands)
        x1 = max(b[3] for b in self.bands)
        return QRectF(x0, 0, x1 - x0, self.height)

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if not self.bands or vb is None:
            return
        t = p.transform()
        sx, ox, sy, oy = t.m11(), t.dx(), t.m22(), t.dy()
        (_x0, _x1), (vy0, vy1) = vb.viewRange()
        top, bot = oy + sy * min(vy0, vy1), oy + sy * max(vy0, vy1)
        p.save()
        p.resetTransform()
        p.setPen(Qt.PenStyle.NoPen)
        for x0, x0s, x1s, x1, title in self.bands:
            p.setBrush(st.ERA)
            p.drawRect(QRectF(ox + sx * x0s, top, sx * (x1s - x0s), bot - top))
            faded = QColor(st.ERA)
            faded.setAlpha(st.ERA.alpha() // 2)
            p.setBrush(faded)
            p.drawRect(QRectF(ox + sx * x0, top, sx * (x0s - x0), bot - top))
            p.drawRect(QRectF(ox + sx * x1s, top, sx * (x1 - x1s), bot - top))
            p.setPen(QColor(150, 90, 20))
            p.drawText(QPointF(ox + sx * x0s + 4, top + 12), title)
            p.setPen(Qt.PenStyle.NoPen)
        p.restore()
