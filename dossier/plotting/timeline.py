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
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QImage, QPainter, QPen

from dossier.domain.timeaxis import ordinal_to_x
from dossier.plotting import timeline_style as st
from dossier.services import timeline_view as tv
from dossier.services.timeline import APPROX, END_UNKNOWN, KIND_INDEX, ONGOING, UNCERTAIN, Layout

BAR_KINDS = np.array([KIND_INDEX["posting"], KIND_INDEX["relation"]])
FADE_STEPS = (0.18, 0.38, 0.6, 0.82)
LABEL_LIMIT = 400  # labels are looked up and laid out only when at most this many items are drawn


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

    def set_layout(self, lay: Layout) -> None:
        self.prepareGeometryChange()
        self.layout = lay
        self.selected_rows = set()
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
        fr = tv.frame(lay, vx0, vx1, min(vy0, vy1), max(vy0, vy1), width_px)
        self.last_frame = fr
        p.save()
        p.resetTransform()
        left, right = ox + sx * vx0, ox + sx * vx1
        self._stripes(p, lay, fr, left, right, sy, oy)
        if fr.density is not None:
            self._density(p, lay, fr, left, right, sy, oy)
        rows = fr.rows
        if len(rows):
            self._items(p, lay, rows, sx, ox, sy, oy, left, right)
        p.restore()

    # --- parts ----------------------------------------------------------------------------------
    def _stripes(self, p, lay, fr, left, right, sy, oy) -> None:
        for parity, colour in enumerate(st.LANE_BG):
            idx = [i for i in range(fr.lane_lo, fr.lane_hi) if i % 2 == parity and lay.lanes[i].kind != "group"]
            self._fill_lanes(p, lay, idx, left, right, sy, oy, colour)
        idx = [i for i in range(fr.lane_lo, fr.lane_hi) if lay.lanes[i].kind == "group"]
        self._fill_lanes(p, lay, idx, left, right, sy, oy, st.GROUP_BG)

    @staticmethod
    def _fill_lanes(p, lay, idx, left, right, sy, oy, colour) -> None:
        if not idx:
            return
        a = _rects(len(idx))
        m = a.ndarray()
        tops = np.array([lay.lanes[i].top for i in idx])
        rows = np.array([lay.lanes[i].rows for i in idx])
        m[:, 0], m[:, 1], m[:, 2], m[:, 3] = left, oy + sy * tops, right - left, sy * rows
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawRects(*a.drawargs())

    def _density(self, p, lay, fr, left, right, sy, oy) -> None:
        lanes = range(fr.lane_lo, fr.lane_hi)
        heights = np.array([max(1, int(round(lay.lanes[i].rows * 4))) for i in lanes])
        dens = fr.density.astype(np.float64)
        top = np.log1p(dens.max()) or 1.0
        alpha = (np.log1p(dens) / top * 225).astype(np.uint32)
        alpha[dens > 0] = np.maximum(alpha[dens > 0], 40)
        alpha[~fr.dense] = 0
        img = np.repeat(alpha, heights, axis=0)
        img[np.cumsum(heights) - 1] = 0  # a gap between lanes
        c = st.DENSITY
        argb = (img << 24) | (c.red() << 16) | (c.green() << 8) | c.blue()
        argb = np.ascontiguousarray(argb.astype(np.uint32))
        h, w = argb.shape
        qimg = QImage(argb.data, w, h, w * 4, QImage.Format.Format_ARGB32)
        y_top = oy + sy * lay.lanes[fr.lane_lo].top
        last = lay.lanes[fr.lane_hi - 1]
        y_bot = oy + sy * (last.top + last.rows)
        p.drawImage(QRectF(left, y_top, right - left, y_bot - y_top), qimg)

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
                self._draw(p, a0[ok], ytop[m][ok], np.maximum(a1[ok] - a0[ok], 1.0), hpx, base, s)
                for j, frac in enumerate(FADE_STEPS):
                    c = QColor(base)
                    c.setAlphaF(frac)
                    w0 = (px0s[m] - px0[m]) / 4
                    self._draw(p, px0[m] + j * w0, ytop[m], np.maximum(w0, 0.6), hpx, c, s)
                    w1 = (px1[m] - px1s[m]) / 4
                    c.setAlphaF(FADE_STEPS[3 - j])
                    self._draw(p, px1s[m] + j * w1, ytop[m], np.maximum(w1, 0.6), hpx, c, s)
                    tail = m & ((flags & END_UNKNOWN) != 0)
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
        if wide.any():
            lines = internals.PrimitiveArray(QLineF, 4)
            lines.resize(int(wide.sum()))
            la = lines.ndarray()
            la[:, 0], la[:, 1], la[:, 2], la[:, 3] = px0[wide], yc[wide], px1[wide], yc[wide]
            p.setPen(QPen(QColor(90, 90, 90, 140), 1.5))
            p.drawLines(*lines.drawargs())
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
        lines = internals.PrimitiveArray(QLineF, 4)
        lines.resize(len(xs))
        la = lines.ndarray()
        la[:, 0], la[:, 1], la[:, 2], la[:, 3] = xs, ymin, xs, ymax
        p.setPen(QPen(QColor(120, 60, 140, 170), 1.4, Qt.PenStyle.SolidLine))
        p.drawLines(*lines.drawargs())

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
        keys = [int(k) for k in lay.data.key[items]]
        texts = self.labels(keys)
        font = p.font()
        font.setPointSizeF(max(7.0, min(9.0, hpx * 0.55)))
        p.setFont(font)
        fm = QFontMetricsF(font)
        ys = lay.r_y[rows]
        order = np.lexsort((np.where(bar, px0s, mid), ys))
        last_end: dict[float, float] = {}
        starts_next = {}
        for a, b in zip(order[:-1], order[1:], strict=True):
            if ys[a] == ys[b]:
                starts_next[int(a)] = float(np.where(bar, px0s, mid - 6)[b])
        for j in order:
            text = texts.get(keys[j], "")
            if not text:
                continue
            w = fm.horizontalAdvance(text)
            limit = starts_next.get(int(j), right)
            if bar[j] and px1s[j] - px0s[j] >= w + 8:
                x = px0s[j] + 4
                if x + w > px1s[j]:
                    continue
                solid = not (lay.data.flags[items[j]] & (APPROX | UNCERTAIN))
                p.setPen(QColor("white") if solid else QColor(20, 20, 20))
            else:
                x = (px1[j] + 4) if bar[j] else (mid[j] + st.MARKER / 2 + 3)
                if x + w > limit - 2 or x < last_end.get(float(ys[j]), -1e9):
                    continue
                p.setPen(QColor(30, 30, 30))
            p.drawText(QPointF(x, yc[j] + fm.ascent() / 2 - 1), text)
            last_end[float(ys[j])] = x + w + 6


class EraBands(pg.GraphicsObject):
    """Background bands (eras) behind the lanes, with their titles at the top of the view."""

    def __init__(self):
        super().__init__()
        self.bands: list[tuple[float, float, float, float, str]] = []  # x0, x0s, x1s, x1, title
        self.height = 1.0
        self.setZValue(-10)

    def set_eras(self, eras: list[tuple], height: float) -> None:
        self.prepareGeometryChange()
        self.height = max(height, 1.0)
        self.bands = []
        for _key, _id, title, _kind, s_lo, s_hi, e_lo, e_hi, flags in eras:
            if s_lo is None:
                continue
            e_lo = e_lo if e_lo is not None else s_hi
            e_hi = e_hi if e_hi is not None else s_hi
            if flags & ONGOING:
                import datetime as _dt

                e_lo = e_hi = _dt.date.today().toordinal()
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


class LaneAxis(pg.AxisItem):
    """The lane label column: names at lane centres; stays put while the time axis pans."""

    clicked_lane = Signal(int)

    def __init__(self):
        super().__init__("left")
        self.layout: Layout | None = None
        self.setWidth(210)
        self.setStyle(tickLength=0, autoExpandTextSpace=False, hideOverlappingLabels=True)

    def set_layout(self, lay: Layout) -> None:
        self.layout = lay
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        lay = self.layout
        if lay is None or not lay.lanes:
            return []
        minVal, maxVal = min(minVal, maxVal), max(minVal, maxVal)  # noqa: N806 - the view is inverted
        px_per_row = size / max(maxVal - minVal, 1e-9)
        lo, hi = tv.visible_lanes(lay, minVal, maxVal)
        idx = [i for i in range(lo, hi) if minVal <= lay.lanes[i].center <= maxVal]
        step = max(1, int(np.ceil(14 / max(px_per_row * min((lay.lanes[i].rows for i in idx), default=1), 1e-9))))
        shown = [i for k, i in enumerate(idx) if lay.lanes[i].kind == "group" or k % step == 0]
        return [(1.0, [lay.lanes[i].center for i in shown])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        lay = self.layout
        out = []
        for v in values:
            i = int(np.searchsorted(lay.lane_top, v, side="right")) - 1
            lane = lay.lanes[i]
            if lane.kind == "group":
                out.append(("▸ " if lane.collapsed else "▾ ") + lane.name.upper())
            else:
                name = lane.name if len(lane.name) <= 26 else lane.name[:25] + "…"
                out.append(name)
        return out

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph API
        lay = self.layout
        vb = self.linkedView()
        if lay is None or vb is None:
            return
        y = vb.mapSceneToView(ev.scenePos()).y()
        i = int(np.searchsorted(lay.lane_top, y, side="right")) - 1
        if 0 <= i < len(lay.lanes):
            ev.accept()
            self.clicked_lane.emit(i)
