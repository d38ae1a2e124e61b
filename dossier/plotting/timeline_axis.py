"""The timeline's date axis: pyqtgraph's DateAxisItem, fixed to UTC, without its per-tick time-zone work.

pyqtgraph moves every tick "to local time" through several QDateTime conversions per tick and frame,
even with `utcOffset=0` where the answer is always "no move"; here the zoom levels skip that (ticks
are exact UTC multiples already), and tick labels are remembered (a pan shows mostly the same ones).
The ticks and labels are the same as DateAxisItem(utcOffset=0) draws."""

from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from pyqtgraph.graphicsItems import DateAxisItem as _dai


class _UtcZoomLevel(_dai.ZoomLevel):
    def extendTimeRangeForSpacing(self, spacing, minVal, maxVal):  # noqa: N802, N803 - pyqtgraph API
        return minVal, maxVal  # no daylight-saving shifts in UTC

    def moveTicksToLocalTimeCoords(self, ticks, spacing, skipFactor):  # noqa: N802, N803 - pyqtgraph API
        return ticks  # UTC ticks are where they belong


class UtcDateAxis(pg.DateAxisItem):
    LABELS_KEPT = 2048

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation=orientation, utcOffset=0, **kwargs)
        self.zoomLevels = OrderedDict(
            (spacing, _UtcZoomLevel(level.tickSpecs, level.exampleText)) for spacing, level in self.zoomLevels.items())
        self._labels: dict[tuple, list[str]] = {}

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        level = id(self.zoomLevel)
        if len(self._labels) > self.LABELS_KEPT:
            self._labels.clear()
        missing = [v for v in values if (level, spacing, v) not in self._labels]
        if missing:
            for v, text in zip(missing, super().tickStrings(missing, scale, spacing), strict=True):
                self._labels[(level, spacing, v)] = text
        return [self._labels[(level, spacing, v)] for v in values]
