"""The main window: a browser of people, organisations and events, a details panel with sources, and
the File menu (new, open, recent, export).  The timeline, trade chart and printing plug in as docks
and actions of their own (see `add_feature`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from dossier import __version__
from dossier.paths import resources_dir
from dossier.services.browse import Details
from dossier.services.session import Session
from dossier.ui import plain
from dossier.ui.browser import BrowserPanel
from dossier.ui.browser_model import ROLE_REF
from dossier.ui.settings import Settings

class DetailsPanel(QTreeWidget):
    """The selected record with its dates, participants and sources (grades, quotes).  Plain text
    only: tree items never interpret markup."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("details")
        self.setHeaderHidden(True)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.current: Details | None = None

    def show_details(self, d: Details | None) -> None:
        self.clear()
        self.current = d
        if d is None:
            return
        head = QTreeWidgetItem([d.title])
        f = head.font(0)
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.3)
        head.setFont(0, f)
        self.addTopLevelItem(head)
        if d.subtitle:
            self.addTopLevelItem(QTreeWidgetItem([d.subtitle]))
        for sec in d.sections:
            s = QTreeWidgetItem([sec.title])
            sf = s.font(0)
            sf.setBold(True)
            s.setFont(0, sf)
            self.addTopLevelItem(s)
            for fact in sec.facts:
                fi = QTreeWidgetItem([fact.text])
                fi.setToolTip(0, plain.tooltip(fact.text))
                s.addChild(fi)
                for src in fact.sources:
                    si = QTreeWidgetItem([f"Source {src.line()}"])
                    si.setToolTip(0, plain.tooltip(src.line() + ("\n“" + src.quote + "”" if src.quote else "")))
                    fi.addChild(si)
                    if src.quote:
                        si.addChild(QTreeWidgetItem([f"“{src.quote}”"]))
            s.setExpanded(True)
        self.expandAll()

    def text(self) -> str:
        return self.current.plain_text() if self.current else ""


class MainWindow(QMainWindow):
    database_changed = Signal()  # another database was opened, or data changed (import, edit, undo)
    record_selected = Signal(str, str)  # table, id: features (timeline, trade) follow the selection
    events_selected = Signal(list)  # event ids to select on the timeline (e.g. a year clicked on the trade chart)
    year_highlighted = Signal(int)  # a year to highlight on the trade chart (e.g. an event selected on the timeline)

    def __init__(self, session: Session, settings: Settings):
        super().__init__()
        self.session = session
        self.settings = settings
        self.setObjectName("main-window")
        icon = resources_dir() / "icons" / "dossier.svg"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.browser = BrowserPanel(self)
        self.details = DetailsPanel(self)
        self.browser_dock = self._dock("Browser", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCentralWidget(self.details)
        self.browser.selected.connect(self.select_record)
        self.browser.search.textChanged.connect(self._search)
        self.browser.counted.connect(self._show_counts)
        self._build_menus()
        # what is open, always shown: messages of the moment (an import done, a load cancelled) come and
        # go beside it and are never overwritten by a count that arrives later
        self.summary = plain.label("", self)
        self.summary.setObjectName("db-summary")
        self.statusBar().addPermanentWidget(self.summary)
        self.statusBar().showMessage("Ready")
        self.resize(1400, 860)
        self._restore_layout()
        self.refresh()

    # --- plumbing for features ------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(f"dock-{title.lower()}")
        d.setWidget(widget)
        self.addDockWidget(area, d)
        return d

    def add_feature_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        d = self._dock(title, widget, area)
        self.view_menu.addAction(d.toggleViewAction())
        return d

    def add_action(self, menu: str, text: str, slot: Callable[[], object], shortcut: str | None = None) -> QAction:
        m = self.menus[menu]
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        m.addAction(a)
        return a

    # --- menus ----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        mb = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        file_menu = mb.addMenu("&File")
        self.menus["file"] = file_menu
        self.add_action("file", "&New database…", self.new_database, "Ctrl+N")
        self.add_action("file", "&Open database…", self.open_database_dialog, "Ctrl+O")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self.add_action("file", "Export &CSV…", self.export_csv_dialog)
        file_menu.addSeparator()
        self.add_action("file", "Check database", self.check_database)
        file_menu.addSeparator()
        self.add_action("file", "&Quit", self.close, "Ctrl+Q")
        self.menus["edit"] = mb.addMenu("&Edit")
        self.view_menu = mb.addMenu("&View")
        self.menus["view"] = self.view_menu
        self.view_menu.addAction(self.browser_dock.toggleViewAction())
        self.menus["help"] = mb.addMenu("&Help")
        self.add_action("help", "About Dossier", self.about)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.settings.get("recent_databases"):
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, path=p: self.open_database(Path(path)))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # --- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.setWindowTitle(f"{self.session.path.name} — Dossier")
        self.browser.load(self.session)  # big lists count and page in the background

    def _show_counts(self) -> None:
        c, errors = self.browser.counts, self.browser.errors

        def n(table: str, what: str) -> str:
            if table in errors:
                return f"{what}: cannot list ({errors[table]})"
            return f"{c[table]:,} {what}" if c.get(table) is not None else f"counting {what}…"

        self.summary.setText(f"{self.session.path}  ·  {n('person', 'people')}, "
                             f"{n('organization', 'organisations')}, {n('event', 'events')}")

    def select_record(self, table: str, rid: str) -> None:
        self.details.show_details(self.session.details(table, rid))
        self.record_selected.emit(table, rid)

    def _search(self, text: str) -> None:
        self.browser.run_search(text)
        if text.strip():
            self.browser.tabs.setCurrentWidget(self.browser.lists["search"])

    # --- file actions ---------------------------------------------------------------------------
    def open_database(self, path: Path) -> bool:
        if Path(path).resolve() == self.session.path.resolve():
            return True  # already open here (its lock is ours)
        try:
            s = Session.open(path)
        except Exception as e:  # StorageError and sqlite errors: tell the user, keep the current one
            from dossier.ui.safety import offer_recovery  # offers the newest verified backup

            if offer_recovery(self, path, e):
                return self.open_database(path)
            return False
        from dossier.ui.safety import finish_backups

        finish_backups(self)  # a backup of the current database under way is finished first
        self.session.close()
        self.session = s
        self.settings.add_recent(path)
        self.details.show_details(None)
        self.refresh()
        self.database_changed.emit()
        return True

    def open_database_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open database", str(self.session.path.parent),
                                              "Dossier databases (*.db *.dossier);;All files (*)")
        if path:
            self.open_database(Path(path))

    def new_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New database", str(self.session.path.parent / "new.db"),
                                              "Dossier databases (*.db)")
        if not path:
            return
        try:
            s = Session.create(Path(path))
        except Exception as e:
            plain.message(self, "Cannot create database", str(e)).exec()
            return
        from dossier.ui.safety import finish_backups

        finish_backups(self)
        self.session.close()
        self.session = s
        self.settings.add_recent(Path(path))
        self.refresh()
        self.database_changed.emit()

    def export_csv_dialog(self) -> None:
        from dossier.domain.kinds import ORDER
        from dossier.services import exporting

        folder = QFileDialog.getExistingDirectory(self, "Export all records as Dossier CSV into…")
        if not folder:
            return
        counts = []
        for k in ORDER:
            n = exporting.export_kind_to_file(self.session.db, k, Path(folder) / f"{k}.csv")
            counts.append(f"{k}: {n}")
        plain.message(self, "Exported", "Wrote " + ", ".join(counts), QMessageBox.Icon.Information).exec()

    def check_database(self) -> None:
        r = self.session.check()
        icon = QMessageBox.Icon.Information if r.ok else QMessageBox.Icon.Critical
        plain.message(self, "Check database", "\n".join(r.messages), icon).exec()

    def about(self) -> None:
        plain.message(self, "About Dossier", f"Dossier {__version__}\nOffline, sourced dossiers.",
                      QMessageBox.Icon.Information).exec()

    # --- layout memory --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        g = self.settings.get("window/geometry")
        if isinstance(g, QByteArray | bytes):
            self.restoreGeometry(QByteArray(g))
        s = self.settings.get("window/state")
        if isinstance(s, QByteArray | bytes):
            self.restoreState(QByteArray(s))

    def save_layout(self) -> None:
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/state", self.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.save_layout()
        self.browser.stop()
        self.session.close()
        super().closeEvent(event)
