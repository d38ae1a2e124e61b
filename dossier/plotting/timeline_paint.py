"""Drawing helpers of the timeline items that keep a frame cheap: filled rectangles in one call, the
density strips as one premultiplied image (built once per view, reused by every repaint of it),
labels as cached `QStaticText` (laid out once per text and size, not per frame), and the label
placement with numpy instead of per-label array work."""

from __future__ import annotations

import numpy as np
from pyqtgraph.Qt import internals
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QStaticText

from dossier.plotting import timeline_style as st


def rects(n: int) -> internals.PrimitiveArray:
    a = internals.PrimitiveArray(QRectF, 4)
    a.resize(n)
    return a


def fill_rects(p: QPainter, x, y, w, h, colour: QColor) -> None:
    """Fill rectangles (arrays or scalars, device pixels) in one call, no outline."""
    n = len(x)
    if not n:
        return
    a = rects(n)
    m = a.ndarray()
    m[:, 0], m[:, 1], m[:, 2], m[:, 3] = x, y, w, h
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRects(*a.drawargs())


def merge_spans(x0: np.ndarray, x1: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping [x0, x1] spans on the same y as one span each (same look for one solid colour, far
    less to fill where bars pile up in a full sub-row)."""
    if len(x0) < 2:
        return x0, x1, y
    o = np.lexsort((x0, y))
    x0, x1, y = x0[o], x1[o], y[o]
    new_y = np.r_[True, y[1:] != y[:-1]]
    lo = float(x0.min())
    big = float(x1.max()) - lo + 10.0
    off = (np.cumsum(new_y) - 1) * big
    reach = np.maximum.accumulate(x1 - lo + off)  # running end, never mixing rows
    new = new_y | np.r_[True, x0[1:] - lo + off[1:] > reach[:-1]]
    starts = np.flatnonzero(new)
    return x0[starts], np.maximum.reduceat(x1, starts), y[starts]


def density_image(density: np.ndarray, dense: np.ndarray, lane_rows: np.ndarray, background: np.ndarray
                  ) -> tuple[QImage, np.ndarray]:
    """The visible lanes as one opaque image: each lane's background (`background`, RGB per lane) with
    its density strip composited over it, 4 pixels per sub-row (scaled when drawn), a background pixel
    row between lanes, alpha on a log scale.  Opaque, so that drawing it (it replaces the lane stripes)
    copies pixels instead of blending them.  Returns the image and the buffer it points into."""
    heights = np.maximum(1, np.round(lane_rows * 4)).astype(np.int64)
    dens = density.astype(np.float64)
    top = np.log1p(dens.max()) or 1.0
    alpha = (np.log1p(dens) / top * 225).astype(np.uint32)
    alpha[dens > 0] = np.maximum(alpha[dens > 0], 40)
    alpha[~dense] = 0
    bg = background.astype(np.uint32)
    c = st.DENSITY
    # composite per (lane, column), then stretch the lanes to their pixel rows
    chans = [(bg[:, k:k + 1] * (255 - alpha) + v * alpha + 127) // 255
             for k, v in enumerate((c.red(), c.green(), c.blue()))]
    lane_rgb = (0xFF000000 | (chans[0] << 16) | (chans[1] << 8) | chans[2]).astype(np.uint32)
    rgb = np.repeat(lane_rgb, heights, axis=0)
    bg_rgb = (0xFF000000 | (bg[:, 0] << 16) | (bg[:, 1] << 8) | bg[:, 2]).astype(np.uint32)
    rgb[np.cumsum(heights) - 1] = bg_rgb[:, None]  # a gap between lanes
    h, w = rgb.shape
    return QImage(rgb.data, w, h, w * 4, QImage.Format.Format_RGB32), rgb


class StaticTexts:
    """Laid-out texts by (text, point size): drawn with `drawStaticText`, measured once."""

    LIMIT = 4000

    def __init__(self):
        self.cache: dict[tuple[str, float], tuple[QStaticText, float]] = {}

    def get(self, text: str, font: QFont) -> tuple[QStaticText, float]:
        k = (text, font.pointSizeF())
        hit = self.cache.get(k)
        if hit is None:
            if len(self.cache) > self.LIMIT:
                self.cache.clear()
            s = QStaticText(text)
            s.setTextFormat(Qt.TextFormat.PlainText)  # data is plain text, never markup
            s.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
            s.prepare(font=font)
            hit = (s, QFontMetricsF(font).horizontalAdvance(text))
            self.cache[k] = hit
        return hit


WHITE, DARK, INK = QColor("white"), QColor(20, 20, 20), QColor(30, 30, 30)


def draw_labels(p: QPainter, statics: StaticTexts, texts: list[str], bar: np.ndarray, solid: np.ndarray,
                px0s: np.ndarray, px1s: np.ndarray, px1: np.ndarray, mid: np.ndarray, yc: np.ndarray,
                ys: np.ndarray, hpx: float, right: float) -> None:
    """Labels where they fit: inside a bar when it is wide enough (white on solid), else after the bar or
    marker when nothing in the same sub-row starts before the label ends and it does not run into the
    previous label."""
    font = p.font()
    font.setPointSizeF(max(7.0, min(9.0, hpx * 0.55)))
    p.setFont(font)
    ascent = QFontMetricsF(font).ascent()
    start = np.where(bar, px0s, mid)
    order = np.lexsort((start, ys))
    ys_o = ys[order]
    same_next = np.r_[ys_o[1:] == ys_o[:-1], False]
    nxt = np.full(len(order), right)
    nxt[:-1] = np.where(same_next[:-1], np.where(bar, px0s, mid - 6)[order][1:], right)
    limit = np.empty(len(order))
    limit[order] = nxt
    bar_l, solid_l = bar.tolist(), solid.tolist()
    px0s_l, px1s_l, px1_l, mid_l = px0s.tolist(), px1s.tolist(), px1.tolist(), mid.tolist()
    top_l = (yc - ascent / 2 - 1).tolist()  # QStaticText is placed by its top; the baseline was yc + ascent / 2 - 1
    ys_l, limit_l = ys.tolist(), limit.tolist()
    last_end: dict[float, float] = {}
    pen = None
    marker_gap = st.MARKER / 2 + 3
    for j in order.tolist():
        text = texts[j]
        if not text:
            continue
        s, w = statics.get(text, font)
        if bar_l[j] and px1s_l[j] - px0s_l[j] >= w + 8:
            x = px0s_l[j] + 4
            if x + w > px1s_l[j]:
                continue
            colour = WHITE if solid_l[j] else DARK
        else:
            x = (px1_l[j] + 4) if bar_l[j] else (mid_l[j] + marker_gap)
            if x + w > limit_l[j] - 2 or x < last_end.get(ys_l[j], -1e9):
                continue
            colour = INK
        if colour is not pen:
            p.setPen(colour)
            pen = colour
        p.drawStaticText(QPointF(x, top_l[j]), s)
        last_end[ys_l[j]] = x + w + 6
