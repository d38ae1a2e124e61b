"""The timeline widget: a pyqtgraph PlotWidget with a UTC date axis, the lane column, era bands, the
items, a today marker; wheel zoom around the pointer, drag to pan, keyboard navigation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPen
from PySide6.QtWidgets import QGraphicsItem

from dossier.domain.timeaxis import DAY, ordinal_to_x
from dossier.plotting import timeline_style as st
from dossier.plotting.timeline_axis import UtcDateAxis
from dossier.plotting.timeline import EraBands, TimelineItems
from dossier.plotting.timeline_lanes import LaneAxis
from dossier.services import timeline_compact
from dossier.services import timeline_view as tv
from dossier.services.timeline import Layout, today_ordinal

ROW_PX = 22  # preferred height of a sub-row when fitting
MIN_ROW_PX = 17  # a sub-row is never thinner on screen (a lane's name fits): more rows scroll vertically
MIN_X_RANGE = 2 * DAY
MAX_X_RANGE = 600 * 365.25 * DAY


def _screen_pen(style: Qt.PenStyle) -> QPen:
    """A marker line's pen, 1.5 px on screen: cosmetic (a plain QPen's width would be in view units,
    here 1.5 seconds of time, and the line would not be drawn at all)."""
    pen = QPen(st.TODAY, 1.5, style)
    pen.setCosmetic(True)
    return pen


class TimelineViewBox(pg.ViewBox):
    """Wheel zooms time around the pointer (Shift+wheel scrolls lanes); dragging pans both ways."""

    def __init__(self):
        super().__init__(invertY=True, enableMenu=False)
        self.setMouseEnabled(x=True, y=False)
        # dragging a bar's end (editing): set by TimelinePlot; edge_hit(scene_pos) -> (row, 'start'|'end') or None
        self.edge_hit: Callable[[QPointF], tuple[int, str] | None] | None = None
        self.edge_done: Callable[[int, str, float], None] | None = None
        self._edge: tuple[int, str] | None = None
        self.edge_guide = pg.InfiniteLine(angle=90, movable=False, pen=_screen_pen(Qt.PenStyle.DotLine))
        self.edge_guide.setZValue(50)
        self.edge_guide.hide()
        self.addItem(self.edge_guide, ignoreBounds=True)

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph API
        horizontal = ev.orientation() == Qt.Orientation.Horizontal
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier or horizontal:
            (x0, x1), (y0, y1) = self.viewRange()
            steps = ev.delta() / 120.0
            if horizontal:  # trackpad sideways: pan time
                self.translateBy(x=-steps * 0.1 * (x1 - x0))
            else:
                self.translateBy(y=-steps * 3)
            ev.accept()
            return
        super().wheelEvent(ev, axis=0)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        if ev.isStart() and self.edge_hit is not None:
            self._edge = self.edge_hit(ev.buttonDownScenePos())
        if self._edge is not None:  # moving a bar's start or end, not panning
            x = self.mapSceneToView(ev.scenePos()).x()
            self.edge_guide.setPos(x)
            self.edge_guide.show()
            if ev.isFinish():
                row, which = self._edge
                self._edge = None
                self.edge_guide.hide()
                if self.edge_done is not None:
                    self.edge_done(row, which, x)
            return
        a = self.mapToView(ev.lastPos())
        b = self.mapToView(ev.pos())
        self.translateBy(x=a.x() - b.x(), y=a.y() - b.y())


class TimelinePlot(pg.PlotWidget):
    row_selected = Signal(int)  # a row was clicked or reached by keyboard (-1: cleared)
    row_activated = Signal(int)  # double click
    lane_clicked = Signal(int)
    empty_double_clicked = Signal(int, float)  # lane index, x (seconds): a double click on an empty spot
    edge_dragged = Signal(int, str, float)  # row, 'start' | 'end', x (seconds) where a bar's end was dropped

    def __init__(self, labels: Callable[[list[int]], dict[int, str]] | None = None, parent=None):
        self.vb = TimelineViewBox()
        self.lane_axis = LaneAxis()
        self.date_axis = UtcDateAxis(orientation="bottom")
        super().__init__(parent=parent, viewBox=self.vb, axisItems={"bottom": self.date_axis, "left": self.lane_axis},
                         background="w")
        self.plot_item = self.getPlotItem()
        self.plot_item.hideButtons()
        for name in ("bottom", "left"):
            ax = self.plot_item.getAxis(name)
            ax.setPen(pg.mkPen(90, 90, 90))
            ax.setTextPen(pg.mkPen(30, 30, 30))
            # repaints of an unchanged axis (every frame for the lane column while panning) are a blit
            ax.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.eras = EraBands()
        self.items = TimelineItems(labels)
        self.vb.addItem(self.eras)
        self.vb.addItem(self.items)
        # the layout's "today" (the machine's date on screen, a dossier's as-of date in print): set_layout
        self.today_line = pg.InfiniteLine(pos=ordinal_to_x(today_ordinal()), angle=90, movable=False,
                                          pen=_screen_pen(Qt.PenStyle.DashLine), label="today",
                                          labelOpts={"position": 0.02, "color": st.TODAY})
        self.vb.addItem(self.today_line)
        self.layout_: Layout | None = None
        self.selected_row: int | None = None
        self._switching = False
        self.vb.sigXRangeChanged.connect(self._update_compact)
        self.vb.sigResized.connect(self._update_compact)
        self._fit_pending = False  # fit_all before the view had a height: fit again once it has one
        self.vb.sigResized.connect(self._keep_rows_readable)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.lane_axis.clicked_lane.connect(self.lane_clicked)
        self.vb.edge_hit = self.edge_at
        self.vb.edge_done = lambda row, which, x: self.edge_dragged.emit(row, which, x)
        self.edges_editable = True

    # --- data -----------------------------------------------------------------------------------
    def set_layout(self, lay: Layout, *, keep_view: bool = False) -> None:
        view = self.vb.viewRange()
        if keep_view and self.layout_ is not None:  # the view's rows are in the old layout's geometry
            timeline_compact.set_compact(lay, self.layout_.compact)
        self.layout_ = lay
        self.items.set_layout(lay)
        self.lane_axis.set_layout(lay)
        self.eras.set_eras(lay.data.eras, lay.total_rows, lay.data.today)
        self.today_line.setPos(ordinal_to_x(lay.data.today))
        self.selected_row = None
        self.vb.setLimits(xMin=lay.x_range[0] - MAX_X_RANGE / 2, xMax=lay.x_range[1] + MAX_X_RANGE / 2,
                          minXRange=MIN_X_RANGE, maxXRange=MAX_X_RANGE, yMin=-0.5,
                          yMax=max(lay.total_rows, 1) + 0.5)
        if keep_view:
            self.vb.setRange(xRange=view[0], yRange=view[1], padding=0)
        else:
            self.fit_all()

    def fit_all(self) -> None:
        lay = self.layout_
        if lay is None:
            return
        x0, x1 = lay.x_range
        pad = (x1 - x0) * 0.03 + DAY
        if timeline_compact.has_compact(lay):
            self._set_compact(tv.wants_compact(lay, x0 - pad, x1 + pad, self.vb.width()))
        self._fit_pending = self.vb.height() <= 50
        rows = max(4.0, self.vb.height() / ROW_PX) if not self._fit_pending else 30.0
        self.vb.setRange(xRange=(x0 - pad, x1 + pad), yRange=(-0.2, min(lay.total_rows, rows) + 0.2), padding=0)

    def _keep_rows_readable(self, *_args) -> None:
        """On a resize: a fit asked for before the view had a height is done now; otherwise the top row
        stays and the rows keep a readable height (at least MIN_ROW_PX: fewer rows shown, the rest
        scroll), and a view grown past ROW_PX per row shows more rows instead of ever-taller ones."""
        lay, h = self.layout_, self.vb.height()
        if lay is None or h <= 50:
            return
        if self._fit_pending:
            self.fit_all()
            return
        _, (y0, y1) = self.vb.viewRange()
        lo, span = min(y0, y1), abs(y1 - y0)
        if span <= 0:
            return
        all_rows = lay.total_rows + 0.4
        want = span
        if h / span < MIN_ROW_PX:
            want = h / MIN_ROW_PX
        elif h / span > ROW_PX and span < all_rows:
            want = min(h / ROW_PX, all_rows)
        if abs(want - span) > 1e-6:
            self.vb.setYRange(lo, lo + want, padding=0)

    # --- compact lanes (services.timeline_compact) ------------------------------------------------
    def _update_compact(self, *_args) -> None:
        lay = self.layout_
        if lay is None or self._switching or not timeline_compact.has_compact(lay):
            return
        (x0, x1), _ = self.vb.viewRange()
        want = tv.wants_compact(lay, x0, x1, self.vb.width())
        if want != lay.compact:
            self._set_compact(want)

    def _set_compact(self, on: bool) -> None:
        """Switch the lanes' geometry; the lane at the top of the view stays there."""
        lay = self.layout_
        _, (y0, y1) = self.vb.viewRange()
        lo, hi = min(y0, y1), max(y0, y1)
        i = int(np.clip(np.searchsorted(lay.lane_top, lo, side="right") - 1, 0, max(len(lay.lanes) - 1, 0)))
        frac = (lo - lay.lanes[i].top) / max(lay.lanes[i].rows, 1) if lay.lanes else 0.0
        if not timeline_compact.set_compact(lay, on):
            return
        if lay.lanes and 0 <= frac <= 1:
            lo = lay.lanes[i].top + frac * lay.lanes[i].rows
        self._switching = True
        try:
            self.items.prepareGeometryChange()
            self.items.update()
            self.lane_axis.set_layout(lay)
            self.eras.set_eras(lay.data.eras, lay.total_rows, lay.data.today)
            self.vb.setLimits(yMax=max(lay.total_rows, 1) + 0.5)
            self.vb.setYRange(lo, lo + (hi - lo), padding=0)
        finally:
            self._switching = False

    def zoom_to(self, x0: float, x1: float) -> None:
        pad = max((x1 - x0) * 0.15, 3 * DAY)
        self.vb.setXRange(x0 - pad, x1 + pad, padding=0)

    def go_to(self, x: float) -> None:
        (a, b), _ = self.vb.viewRange()
        self.vb.setXRange(x - (b - a) / 2, x + (b - a) / 2, padding=0)

    def scroll_to_row(self, y: float, height: float = 1.0) -> None:
        (_x, _), (y0, y1) = self.vb.viewRange()
        lo, hi = min(y0, y1), max(y0, y1)
        if y >= lo and y + height <= hi:
            return
        span = hi - lo
        top = max(-0.2, y + height / 2 - span / 2)
        self.vb.setYRange(top, top + span, padding=0)

    def scroll_to_lane(self, lane: int) -> None:
        if self.layout_ is not None and 0 <= lane < len(self.layout_.lanes):
            ln = self.layout_.lanes[lane]
            self.scroll_to_row(ln.top, ln.rows)

    # --- selection ------------------------------------------------------------------------------
    def select_row(self, row: int | None, *, emit: bool = True, reveal: bool = True) -> None:
        lay = self.layout_
        self.selected_row = row
        if lay is None or row is None:
            self.items.selected_rows = set()
        else:
            item = int(lay.r_item[row])
            self.items.selected_rows = set(int(r) for r in lay.rows_of_item(item))
            if reveal:
                (a, b), _ = self.vb.viewRange()
                if lay.x1[row] < a or lay.x0[row] > b:
                    self.go_to((lay.x0[row] + lay.x1[row]) / 2)
                self.scroll_to_row(float(lay.r_y[row]))
        self.items.update()
        if emit:
            self.row_selected.emit(-1 if row is None else int(row))

    def zoom_to_selection(self) -> None:
        lay = self.layout_
        if lay is None or self.selected_row is None:
            return
        r = self.selected_row
        self.zoom_to(float(lay.x0[r]), float(lay.x1[r]))
        self.scroll_to_row(float(lay.r_y[r]))

    def row_at(self, scene_pos: QPointF) -> int | None:
        lay = self.layout_
        fr = self.items.last_frame
        if lay is None or fr is None:
            return None
        pt = self.vb.mapSceneToView(scene_pos)
        return tv.hit_test(lay, fr, pt.x(), pt.y(), self.items.px_per_sec)

    def lane_at(self, y: float) -> int | None:
        """The lane (index) at view y, or None outside every lane."""
        lay = self.layout_
        if lay is None or not len(lay.lanes):
            return None
        i = int(np.searchsorted(lay.lane_top, y, side="right")) - 1
        if i < 0 or y >= lay.lanes[i].top + lay.lanes[i].rows:
            return None
        return i

    def edge_at(self, scene_pos: QPointF, tolerance_px: float = 5.0) -> tuple[int, str] | None:
        """A bar's start or end under the pointer (within a few pixels): (row, 'start' | 'end')."""
        lay, fr = self.layout_, self.items.last_frame
        if not self.edges_editable or lay is None or fr is None or not len(fr.rows):
            return None
        pt = self.vb.mapSceneToView(scene_pos)
        rows = fr.rows[(lay.r_y[fr.rows] <= pt.y()) & (pt.y() < lay.r_y[fr.rows] + 1)]
        if not len(rows):
            return None
        pps = self.items.px_per_sec or 1.0
        d0 = np.abs(lay.x0[rows] - pt.x()) * pps
        d1 = np.abs(lay.x1[rows] - pt.x()) * pps
        wide = (lay.x1[rows] - lay.x0[rows]) * pps > 3 * tolerance_px
        d0[~wide], d1[~wide] = np.inf, np.inf
        i0, i1 = int(np.argmin(d0)), int(np.argmin(d1))
        if min(d0[i0], d1[i1]) > tolerance_px:
            return None
        return (int(rows[i0]), "start") if d0[i0] <= d1[i1] else (int(rows[i1]), "end")

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if not self.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        row = self.row_at(ev.scenePos())
        if ev.double():
            if row is not None:
                self.select_row(row, reveal=False)
                self.zoom_to_selection()
                self.row_activated.emit(row)
            else:
                pt = self.vb.mapSceneToView(ev.scenePos())
                lane = self.lane_at(pt.y())
                if lane is not None:
                    self.empty_double_clicked.emit(lane, float(pt.x()))
            return
        self.setFocus()
        self.select_row(row, reveal=False)

    # --- keyboard -------------------------------------------------------------------------------
    def zoom(self, factor: float, center: float | None = None) -> None:
        (a, b), _ = self.vb.viewRange()
        c = (a + b) / 2 if center is None else center
        self.vb.setXRange(c - (c - a) * factor, c + (b - c) * factor, padding=0)

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 - Qt API
        k, mods = ev.key(), ev.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        lay = self.layout_
        (a, b), (y0, y1) = self.vb.viewRange()
        sel_center = None
        if self.selected_row is not None and lay is not None:
            sel_center = float((lay.x0[self.selected_row] + lay.x1[self.selected_row]) / 2)
            if not a <= sel_center <= b:
                sel_center = None
        nav = {Qt.Key.Key_Right: "next", Qt.Key.Key_Left: "prev", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down"}
        if ctrl and k in nav and lay is not None:
            if self.selected_row is None:
                fr = self.items.last_frame
                if fr is not None and len(fr.rows):
                    rows = fr.rows[np.lexsort((lay.x0[fr.rows], lay.r_y[fr.rows]))]
                    self.select_row(int(rows[0]))
            else:
                nxt = tv.neighbour(lay, self.selected_row, nav[k])
                if nxt is not None:
                    self.select_row(nxt)
        elif k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.5, sel_center)
        elif k in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom(2.0, sel_center)
        elif k == Qt.Key.Key_Left:
            self.vb.translateBy(x=-(b - a) * 0.1)
        elif k == Qt.Key.Key_Right:
            self.vb.translateBy(x=(b - a) * 0.1)
        elif k == Qt.Key.Key_Up:
            self.vb.translateBy(y=-2)
        elif k == Qt.Key.Key_Down:
            self.vb.translateBy(y=2)
        elif k == Qt.Key.Key_PageUp:
            self.vb.translateBy(y=-abs(y1 - y0) * 0.9)
        elif k == Qt.Key.Key_PageDown:
            self.vb.translateBy(y=abs(y1 - y0) * 0.9)
        elif k == Qt.Key.Key_Home:
            self.fit_all()
        elif k == Qt.Key.Key_Z:
            self.zoom_to_selection()
        elif k == Qt.Key.Key_Escape:
            self.select_row(None)
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()
