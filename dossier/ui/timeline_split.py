"""The splitter between the timeline (the main view, on top) and the trade panel under it.

The timeline gets DEFAULT_SHARE of the height; the user's share (dragging the handle) is kept across
sessions in the setting `window/timeline_share` (a number, no data).  The share, not pixel sizes, is
what is applied: on every resize of the window the two parts keep their proportions (within the
parts' minimum heights), so a smaller window does not squeeze the timeline alone."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QSplitter, QWidget

from dossier.ui.settings import Settings

SETTING = "window/timeline_share"
DEFAULT_SHARE = 0.55
MIN_SHARE, MAX_SHARE = 0.15, 0.92


def stored_share(settings: Settings) -> float:
    """The remembered share, or the default when none (or an unreadable one) is stored."""
    try:
        v = float(settings.get(SETTING))
    except (TypeError, ValueError):
        return DEFAULT_SHARE
    return min(MAX_SHARE, max(MIN_SHARE, v)) if v == v else DEFAULT_SHARE


class TimelineSplitter(QSplitter):
    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("timeline-trade-splitter")
        self.setChildrenCollapsible(False)
        self.settings = settings
        self.share = stored_share(settings)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(300)  # a drag moves the handle many times: write the file once
        self._save_timer.timeout.connect(self.save)
        self.splitterMoved.connect(self._moved)

    def apply_share(self) -> None:
        """Sizes from the share, within both parts' minimum heights."""
        if self.count() != 2:
            return
        total = sum(self.sizes())
        if total <= 0:
            return
        mins = [max(self.widget(i).minimumSizeHint().height(), self.widget(i).minimumHeight()) for i in range(2)]
        top = round(total * self.share)
        top = max(mins[0], min(top, total - mins[1]))
        self.setSizes([top, total - top])

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        self.apply_share()

    def hideEvent(self, ev) -> None:  # noqa: N802 - Qt API
        if self._save_timer.isActive():  # the window closes right after a drag: write it now
            self.save()
        super().hideEvent(ev)

    def _moved(self, _pos: int, _index: int) -> None:
        sizes = self.sizes()
        if len(sizes) == 2 and sum(sizes) > 0:
            self.share = min(MAX_SHARE, max(MIN_SHARE, sizes[0] / sum(sizes)))
            self._save_timer.start()

    def save(self) -> None:
        self._save_timer.stop()
        self.settings.set(SETTING, round(self.share, 4))
