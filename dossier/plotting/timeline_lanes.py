"""The timeline's lane label column (`LaneAxis`): lane names at lane centres, placed so that no two
draw over each other, with the full name of any lane for a tooltip and a click signal."""

from __future__ import annotations

import bisect

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QFontMetricsF

from dossier.services import timeline_view as tv
from dossier.services.timeline import Layout


class LaneAxis(pg.AxisItem):
    """The lane label column: names at lane centres; stays put while the time axis pans.

    Labels never draw over each other: group headers are placed first, then lane names top to bottom,
    and a name whose text would reach into a label already placed is left out (`label_at` gives every
    lane's full name for a tooltip).  `drawn_labels` holds the text rectangles of the last paint."""

    clicked_lane = Signal(int)
    LABEL_GAP = 2.0  # px between two labels' text rectangles

    def __init__(self):
        super().__init__("left")
        self.layout: Layout | None = None
        self.setWidth(210)
        self.setStyle(tickLength=0, autoExpandTextSpace=False, hideOverlappingLabels=True)
        self._text_h = QFontMetricsF(self.font()).height()
        self.drawn_labels: list[tuple[QRectF, str]] = []  # item coordinates, from the last paint

    def set_layout(self, lay: Layout) -> None:
        self.layout = lay
        self.picture = None
        self.update()

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph API
        # the painter's font is the one the labels are drawn in: lane spacing is measured with it
        self._text_h = QFontMetricsF(p.font()).height()
        specs = super().generateDrawSpecs(p)
        if specs is not None:
            self.drawn_labels = [(QRectF(rect), text) for rect, _flags, text in specs[2]]
        return specs

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        lay = self.layout
        if lay is None or not lay.lanes:
            return []
        minVal, maxVal = min(minVal, maxVal), max(minVal, maxVal)  # noqa: N806 - the view is inverted
        px_per_row = size / max(maxVal - minVal, 1e-9)
        lo, hi = tv.visible_lanes(lay, minVal, maxVal)
        idx = [i for i in range(lo, hi) if minVal <= lay.lanes[i].center <= maxVal]
        # group headers first, then lanes top to bottom; skip a label that would touch a placed one
        need = self._text_h + self.LABEL_GAP
        placed: list[float] = []  # pixel centres, sorted
        shown = []
        for i in sorted(idx, key=lambda i: (lay.lanes[i].kind != "group", i)):
            y = (lay.lanes[i].center - minVal) * px_per_row
            k = bisect.bisect_left(placed, y)
            if (k > 0 and y - placed[k - 1] < need) or (k < len(placed) and placed[k] - y < need):
                continue
            placed.insert(k, y)
            shown.append(i)
        return [(1.0, sorted(lay.lanes[i].center for i in shown))]

    def lane_at(self, scene_pos: QPointF) -> int | None:
        """The lane at a point of the label column (scene coordinates), or None."""
        lay, vb = self.layout, self.linkedView()
        if lay is None or vb is None or not lay.lanes or not self.sceneBoundingRect().contains(scene_pos):
            return None
        y = vb.mapSceneToView(scene_pos).y()
        i = int(np.searchsorted(lay.lane_top, y, side="right")) - 1
        if i < 0 or y >= lay.lanes[i].top + lay.lanes[i].rows:
            return None
        return i

    def label_at(self, scene_pos: QPointF) -> str | None:
        """The full name of the lane at a point of the label column (its label may be shortened or left
        out when the lanes are thinner than the text)."""
        i = self.lane_at(scene_pos)
        return None if i is None else self.layout.lanes[i].name

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
        i = self.lane_at(ev.scenePos())
        if i is not None:
            ev.accept()
            self.clicked_lane.emit(i)
