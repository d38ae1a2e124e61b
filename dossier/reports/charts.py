"""Chart images for dossiers: the integration points with the timeline image export (issue 3) and the
trade chart (issue 4).  The charts are drawn by the same code as the screen (pyqtgraph ImageExporter,
~2000 px) in `dossier.plotting.*_export`; this module only calls them.

WIRING FOR THE LEAD: the two adapter functions below, `timeline_image()` and `trade_image()`, are the
only places that know the plotting functions' signatures.  They call them with keyword arguments
(`db_path`, the chart's params, `width`); if the real signature differs, adjust the call here.  When the
plotting module is missing or the call fails, the dossier prints a plain note that the chart is
unavailable (with the reason) instead of failing.

Charts use pyqtgraph widgets: call `render_charts()` on the GUI thread; the rest of the PDF can then be
laid out and written in a worker thread with the finished QImages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from dossier.services.dossier_model import Chart, Dossier

CHART_WIDTH_PX = 2000


@dataclass
class RenderedCharts:
    images: dict[int, QImage] = field(default_factory=dict)
    unavailable: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0


def timeline_image(db_path: Path | None, params: dict) -> QImage:
    """ADAPTER (issue 3): a person's lane of the timeline as a QImage."""
    from dossier.plotting.timeline_export import render_timeline_image  # noqa: PLC0415 - optional feature

    return render_timeline_image(db_path=db_path, width=CHART_WIDTH_PX, **params)


def trade_image(db_path: Path | None, params: dict) -> QImage:
    """ADAPTER (issue 4): the trade chart of a country or pair as a QImage."""
    from dossier.plotting.trade_export import render_trade_image  # noqa: PLC0415 - optional feature

    return render_trade_image(db_path=db_path, width=CHART_WIDTH_PX, **params)


_ADAPTERS = {"timeline": (timeline_image, "the timeline image export (issue 3)"),
             "trade": (trade_image, "the trade chart (issue 4)")}


def charts_of(d: Dossier) -> list[Chart]:
    return [b for s in d.sections for b in s.blocks if isinstance(b, Chart)]


def render_charts(d: Dossier, db_path: Path | None, *, enabled: bool = True) -> RenderedCharts:
    out = RenderedCharts()
    t0 = time.perf_counter()
    for i, ch in enumerate(charts_of(d)):
        fn, what = _ADAPTERS.get(ch.kind, (None, ch.kind))
        if not enabled:
            out.unavailable[i] = "charts were switched off for this dossier"
            continue
        if fn is None:
            out.unavailable[i] = f"no renderer for {ch.kind} charts"
            continue
        try:
            img = fn(db_path, dict(ch.params))
        except ImportError:
            out.unavailable[i] = f"{what} is not part of this build"
            continue
        except Exception as e:  # a chart must never stop a dossier from printing; the reason is printed
            out.unavailable[i] = f"{what} failed: {type(e).__name__}: {e}"
            continue
        if not isinstance(img, QImage) or img.isNull():
            out.unavailable[i] = f"{what} returned no image"
            continue
        out.images[i] = img
    out.seconds = time.perf_counter() - t0
    return out
