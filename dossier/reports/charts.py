"""Chart images for dossiers: the integration points with the timeline image export (issue 3) and the
trade chart (issue 4).  The charts are drawn by the same code as the screen (pyqtgraph ImageExporter,
~2000 px) in `dossier.plotting.*_export`; this module only calls them.

The two adapter functions below, `timeline_image()` and `trade_image()`, are the only places that know
the plotting functions' signatures (docs/conventions.md).  When a plotting module is missing or a call
fails, the dossier prints a plain note that the chart is unavailable (with the reason) instead of
failing.

Charts use pyqtgraph widgets: call `render_charts()` on the GUI thread; the rest of the PDF can then be
laid out and written in a worker thread with the finished QImages.
"""

from __future__ import annotations

import datetime
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


def timeline_image(db, params: dict) -> QImage:
    """ADAPTER (issue 3): a person's lane of the timeline as a QImage (docs/conventions.md)."""
    from dossier.plotting.timeline_export import render_timeline_image  # noqa: PLC0415 - optional feature

    lo, hi = params.get("start_ordinal"), params.get("end_ordinal")
    if lo is not None and hi is not None:
        lo, hi = lo - 365, hi + 365  # a year of margin either side
    else:
        lo = hi = None
    return render_timeline_image(db, lanes=list(params["entity_ids"]), start=lo, end=hi, width=CHART_WIDTH_PX,
                                 as_of=params.get("as_of_ordinal"))


def trade_image(db, params: dict) -> QImage:
    """ADAPTER (issue 4): the trade chart of a pair of countries as a QImage (docs/conventions.md)."""
    from dossier.plotting.trade_export import render_trade_image  # noqa: PLC0415 - optional feature
    from dossier.services.trade import TradeService  # noqa: PLC0415

    cs = params["countries"]
    if len(cs) != 2:
        raise ChartSkipped("the trade chart shows a pair of countries; see the table below")
    view = TradeService(db).view(cs[0], cs[1], "USD")
    return render_trade_image(view, width=CHART_WIDTH_PX, height=1000, mode="total")


class ChartSkipped(Exception):
    """Not an error: this chart does not apply to this dossier (the reason is printed)."""


_ADAPTERS = {"timeline": (timeline_image, "the timeline image export (issue 3)"),
             "trade": (trade_image, "the trade chart (issue 4)")}


def charts_of(d: Dossier) -> list[Chart]:
    return [b for s in d.sections for b in s.blocks if isinstance(b, Chart)]


def render_charts(d: Dossier, db_path: Path | None, *, enabled: bool = True) -> RenderedCharts:
    """Render every chart of `d` (GUI thread).  Opens its own connection to `db_path` for the plotting
    code and closes it afterwards."""
    out = RenderedCharts()
    t0 = time.perf_counter()
    charts = charts_of(d)
    db = None
    if enabled and charts and db_path is not None:
        from dossier.services.database import open_database  # noqa: PLC0415

        try:
            db = open_database(db_path)
        except Exception as e:  # the dossier still prints, with the reason
            for i in range(len(charts)):
                out.unavailable[i] = f"cannot open the database for charts: {e}"
            out.seconds = time.perf_counter() - t0
            return out
    try:
        _render_all(charts, db, enabled, out, _as_of_ordinal(d))
    finally:
        if db is not None:
            from dossier.services.database import close_database  # noqa: PLC0415

            close_database(db)
    out.seconds = time.perf_counter() - t0
    return out


def _as_of_ordinal(d: Dossier) -> int | None:
    """The dossier's as-of date as a day ordinal: the charts' "today" (never the day of printing)."""
    try:
        return datetime.date.fromisoformat(str(d.as_of)[:10]).toordinal()
    except ValueError:
        return None


def _render_all(charts: list[Chart], db, enabled: bool, out: RenderedCharts, as_of: int | None = None) -> None:
    for i, ch in enumerate(charts):
        fn, what = _ADAPTERS.get(ch.kind, (None, ch.kind))
        if not enabled:
            out.unavailable[i] = "charts were switched off for this dossier"
            continue
        if fn is None:
            out.unavailable[i] = f"no renderer for {ch.kind} charts"
            continue
        try:
            params = dict(ch.params)
            if as_of is not None:
                params.setdefault("as_of_ordinal", as_of)
            img = fn(db, params)
        except ImportError:
            out.unavailable[i] = f"{what} is not part of this build"
            continue
        except ChartSkipped as e:
            out.unavailable[i] = str(e)
            continue
        except Exception as e:  # a chart must never stop a dossier from printing; the reason is printed
            out.unavailable[i] = f"{what} failed: {type(e).__name__}: {e}"
            continue
        if not isinstance(img, QImage) or img.isNull():
            out.unavailable[i] = f"{what} returned no image"
            continue
        out.images[i] = img
