"""Composition root: resolve the database path, open (or on first start create) it, build the window.

`dossier` with no arguments opens the default database in the user's data folder, creating it with
the sample data set on first start; `--db PATH` or $DOSSIER_DB open another (an explicit path that
does not exist is reported, never silently created)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resolve_db(arg: str | None) -> tuple[Path, bool]:
    """(path, create_with_sample_if_missing)"""
    from dossier.paths import default_db_path

    if arg:
        return Path(arg).expanduser(), False
    if os.environ.get("DOSSIER_DB"):
        return Path(os.environ["DOSSIER_DB"]).expanduser(), False
    return default_db_path(), True


def build_window(db_path: Path, create_sample: bool):
    from dossier.services.session import Session
    from dossier.ui import gc_guard
    from dossier.ui.main_window import MainWindow
    from dossier.ui.settings import Settings

    gc_guard.install()  # before any worker thread starts: cycles (and Qt objects in them) die on this thread
    # an encrypted database is checked while the window is built (services.open_check)
    session = Session.open(db_path, create_sample_if_missing=create_sample, defer_check=True)
    settings = Settings()
    try:
        win = MainWindow(session, settings)
        for install in feature_installers():
            install(win)
    except Exception as e:
        damage = session.damage_behind(e)  # a damaged page read before the check found it
        session.close()
        if damage is not None:
            raise damage from e  # refused as at any open: run_gui offers the newest verified backup
        raise
    settings.add_recent(db_path)
    return win


def feature_installers():
    """Features (timeline, trade panel, printing ...) add a function `install(window)` here."""
    from dossier.ui.forms.controller import install as install_editing
    from dossier.ui.import_dialog import install as install_import
    from dossier.ui.open_check import install as install_open_check
    from dossier.ui.print_dossier import install as install_print_dossier
    from dossier.ui.passphrase import install as install_encryption
    from dossier.ui.timeline_dock import install as timeline
    from dossier.ui.safety import install as safety_install  # backups, restore, crash notices (issue 7)
    from dossier.ui.trade_panel import install as install_trade_panel

    # the timeline first: the trade panel links to window.timeline
    # editing after the import: its undo stack takes the import's applied batches as steps
    return [timeline, install_trade_panel, install_print_dossier, install_import, install_editing, safety_install,
            install_encryption, install_open_check]


def run_gui(db_arg: str | None) -> int:
    from PySide6.QtWidgets import QApplication

    from dossier.services.database import CryptoError, EncryptedDamaged, StorageError
    from dossier.ui.fonts import register_fonts

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Dossier")
    app.setOrganizationName("Dossier")
    register_fonts()
    path, create = resolve_db(db_arg)
    from dossier.ui.passphrase import install_prompt

    install_prompt()  # encrypted databases: ask for the passphrase in a dialog
    try:
        win = build_window(path, create)
    except StorageError as e:
        from dossier.ui.safety import offer_recovery  # the reason, and the newest verified backup to restore

        print(f"dossier: {e}", file=sys.stderr)
        if isinstance(e, CryptoError) and not isinstance(e, EncryptedDamaged):
            plain.message(None, "Dossier cannot open the database", str(e)).exec()
            return e.exit_code  # no passphrase / a wrong one: no backup to offer, nothing to recover
        if not offer_recovery(None, path, e):
            return getattr(e, "exit_code", 1)
        win = build_window(path, create)
    win.show()
    _arm_smoke(app, win)
    return app.exec()


def _arm_smoke(app, win) -> None:
    """Smoke mode for the packaging test and the start-up benchmark (off unless asked for).

    With $DOSSIER_SMOKE_PNG=PATH, once the event loop has run after show() the window prints
    `dossier-smoke: shown-at=<epoch seconds>` (the moment it was shown: the benchmark's end mark), lets
    events settle (~0.3 s, so deferred layout and painting finish), renders itself with `grab()` to
    PATH and quits: exit 0 when the PNG was written, 1 when not."""
    target = os.environ.get("DOSSIER_SMOKE_PNG")
    if not target:
        return
    import time

    from PySide6.QtCore import QTimer

    def say(text: str) -> None:
        if sys.stdout is not None:  # a windowed Windows executable has no stdout
            print(f"dossier-smoke: {text}", flush=True)

    def shown() -> None:
        say(f"shown-at={time.time():.6f}")
        QTimer.singleShot(300, shoot)

    def shoot() -> None:
        app.processEvents()
        ok = win.grab().save(target, "PNG")
        say(f"png={target} saved={ok}")
        app.exit(0 if ok else 1)

    QTimer.singleShot(0, shown)
