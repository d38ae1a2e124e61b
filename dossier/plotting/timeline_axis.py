"""The timeline's date axis: pyqtgraph's DateAxisItem, fixed to UTC, without its per-tick time-zone work.

pyqtgraph moves every tick "to local time" through several QDateTime conversions per tick and frame,
even with `utcOffset=0` where the answer is always "no move"; here the zoom levels skip that (ticks
are exact UTC multiples already), and tick labels are remembered (a pan shows mostly the same ones).
The ticks and labels are the same as DateAxisItem(utcOffset=0) draws."""

from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from pyqtgraph.graphicsItems import DateAxisItem as _dai
from PySide6.QtCore import QRectF


class _UtcZoomLevel(_dai.ZoomLevel):
    def extendTimeRangeForSpacing(self, spacing, minVal, maxVal):  # noqa: N802, N803 - pyqtgraph API
        return minVal, maxVal  # no daylight-saving shifts in UTC

    def moveTicksToLocalTimeCoords(self, ticks, spacing, skipFactor):  # noqa: N802, N803 - pyqtgraph API
        return ticks  # UTC ticks are where they belong


class _MeasuringPainter:
    """A painter for AxisItem.generateDrawSpecs that remembers text sizes (it measures every label of
    every frame; the same labels come back while panning)."""

    def __init__(self, p, sizes: dict):  # noqa: ANN001 - QPainter
        self._p, self._sizes = p, sizes

    def __getattr__(self, name: str):
        return getattr(self._p, name)

    def boundingRect(self, rect, flags, text):  # noqa: N802 - Qt API
        k = (rect.x(), rect.y(), rect.width(), rect.height(), flags, text, self._p.font().key())
        hit = self._sizes.get(k)
        if hit is None:
            if len(self._sizes) > 4096:
                self._sizes.clear()
            hit = self._sizes[k] = QRectF(self._p.boundingRect(rect, flags, text))
        return QRectF(hit)


class UtcDateAxis(pg.DateAxisItem):
    LABELS_KEPT = 2048

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation=orientation, utcOffset=0, **kwargs)
        self.zoomLevels = OrderedDict(
            (spacing, _UtcZoomLevel(level.tickSpecs, level.exampleText)) for spacing, level in self.zoomLevels.items())
        self._labels: dict[tuple, str] = {}
        self._sizes: dict[tuple, QRectF] = {}

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph API
        return super().generateDrawSpecs(_MeasuringPainter(p, self._sizes))

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        level = id(self.zoomLevel)
        if len(self._labels) > self.LABELS_KEPT:
            self._labels.clear()
        missing = [v for v in values if (level, spacing, v) not in self._labels]
        if missing:
            for v, text in zip(missing, super().tickStrings(missing, scale, spacing), strict=True):
                self._labels[(level, spacing, v)] = text
        return [self._labels[(level, spacing, v)] for v in values]
