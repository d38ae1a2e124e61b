"""Rendering the timeline offscreen to an image, with the same code that draws the screen.

    render_timeline_image(db, *, lanes=None, start=None, end=None, width=2000, height=None,
                          options=None, as_of=None) -> QImage

`db` is an open database (sqlite_utils.Database, e.g. `session.db` or `session.connect_worker()`);
`lanes` a list of entity ids (people, organisations, country codes) to show, in that order, or None
for all; `start`/`end` day ordinals (`datetime.date.toordinal()`) of the window, or None for the
extent of the data; `height` None sizes the image to the lanes (about 22 px per sub-row plus the
axis); `as_of` (a day ordinal; default the machine's date) is where ongoing spans end and the
marker stands, so the same data and `as_of` give the same image on any day.  Needs a QApplication
(offscreen is fine).  Uses pyqtgraph's ImageExporter.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from dossier.domain.timeaxis import ordinal_to_x
from dossier.plotting.timeline_plot import ROW_PX, TimelinePlot
from dossier.services import timeline as tl
from dossier.services import timeline_compact, timeline_view
from dossier.services.timeline_text import Labels


def render_timeline_image(db: Any, *, lanes: list[str] | None = None, start: int | None = None,
                          end: int | None = None, width: int = 2000, height: int | None = None,
                          options: tl.Options | None = None, as_of: int | None = None) -> QImage:
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        raise RuntimeError("render_timeline_image needs a QApplication (QT_QPA_PLATFORM=offscreen works)")
    opts = options or tl.Options()
    if lanes is not None:
        opts.lanes = list(lanes)
    window = (start, end) if start is not None and end is not None else None
    data = tl.load(db, window, today=as_of)  # ongoing spans end at as_of, not on the day of drawing
    lay = tl.layout(data, opts)
    # busy lanes compact (one row) when the window shows too many of their items: size the image for that
    x0, x1 = (ordinal_to_x(start), ordinal_to_x(end + 1)) if window else lay.x_range
    timeline_compact.set_compact(lay, timeline_view.wants_compact(lay, x0, x1, max(width - 220, 100)))
    plot = build_plot(db, lay)
    if as_of is not None:
        plot.today_line.label.setFormat(f"as of {_dt.date.fromordinal(as_of).isoformat()}")
    if height is None:
        height = int(min(8000, max(240, lay.total_rows * ROW_PX + 70)))
    return render_plot(plot, width, height, start, end)


def build_plot(db: Any, lay: tl.Layout) -> TimelinePlot:
    plot = TimelinePlot(Labels(db))
    plot.set_layout(lay)
    return plot


def render_plot(plot: TimelinePlot, width: int, height: int, start: int | None = None,
                end: int | None = None) -> QImage:
    from pyqtgraph.exporters import ImageExporter

    lay = plot.layout_
    plot.resize(width, height)
    plot.show()  # offscreen platform: nothing appears; layouts need a shown widget
    QCoreApplication.processEvents()
    plot.fit_all()
    if lay is not None:
        plot.vb.setYRange(-0.2, lay.total_rows + 0.2, padding=0)
    if start is not None and end is not None:
        plot.vb.setXRange(ordinal_to_x(start), ordinal_to_x(end + 1), padding=0)
    QCoreApplication.processEvents()
    exporter = ImageExporter(plot.plot_item)
    exporter.parameters()["width"] = width
    img = exporter.export(toBytes=True)
    plot.hide()
    return img
