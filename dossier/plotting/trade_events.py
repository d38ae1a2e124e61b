"""Event markers on the trade chart: a dashed vertical line per event between the two states, with its
date and title, and a faint band over the span an imprecise date may fall in.

The lines and bands are a pool reused across pair switches (moved, relabelled, shown or hidden), not
removed and recreated: adding an item to a plot re-parents it and re-ranges the view."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from dossier.domain.timeaxis import ordinal_to_x
from dossier.services.trade_model import EventMarker

EVENT_COLOUR = "#555555"


class EventMarkers:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.lines: list[pg.InfiniteLine] = []
        self.regions: list[pg.LinearRegionItem] = []
        self.shown: list[pg.GraphicsObject] = []  # what is drawn now (regions then lines, in event order)
        self._key: tuple = ()

    def _line(self, i: int) -> pg.InfiniteLine:
        while len(self.lines) <= i:
            line = pg.InfiniteLine(pos=0, angle=90, movable=False,
                                   pen=pg.mkPen(EVENT_COLOUR, width=1.5, style=Qt.PenStyle.DashLine), label="",
                                   labelOpts={"position": 0.95, "color": "#333", "anchors": [(1, 0.5), (1, 0.5)],
                                              "fill": (255, 255, 255, 200)})
            self.plot.addItem(line)
            self.lines.append(line)
        return self.lines[i]

    def _region(self, i: int) -> pg.LinearRegionItem:
        while len(self.regions) <= i:
            region = pg.LinearRegionItem((0, 1), movable=False, brush=pg.mkBrush(85, 85, 85, 40), pen=pg.mkPen(None))
            self.plot.addItem(region)
            self.regions.append(region)
        return self.regions[i]

    def set_events(self, events: list[EventMarker]) -> None:
        key = tuple((e.id, e.lo, e.hi, e.start, e.title) for e in events)
        if key == self._key:
            return
        self._key = key
        self.shown = []
        nr = 0
        lines = []
        for i, e in enumerate(events):
            x0, x1 = ordinal_to_x(e.lo), ordinal_to_x(e.hi + 1)
            if e.hi - e.lo > 2:  # an imprecise date: the span it may fall in, faint
                region = self._region(nr)
                region.setRegion((x0, x1))
                region.setVisible(True)
                self.shown.append(region)
                nr += 1
            title = e.title[:38] + ("…" if len(e.title) > 38 else "")
            line = self._line(i)
            line.setPos((x0 + x1) / 2)
            # InfLineLabel runs str.format on its text: braces from data are doubled
            line.label.setFormat(f"{e.start} {title}".replace("{", "{{").replace("}", "}}"))
            line.label.setPosition(0.95 - 0.09 * (i % 6))
            line.setVisible(True)
            line.label.setVisible(True)
            line.label.valueChanged()
            lines.append(line)
        self.shown += lines
        for line in self.lines[len(events):]:
            line.setVisible(False)
            line.label.setVisible(False)
        for region in self.regions[nr:]:
            region.setVisible(False)
