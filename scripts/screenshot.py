"""Make docs/screenshot-main.png: the main window on the sample data, Ri Kil Song's posting selected.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py [OUT.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshot-main.png"
    tmp = Path(tempfile.mkdtemp())
    os.environ["DOSSIER_CONFIG_DIR"] = str(tmp / "config")  # never the user's settings
    os.environ["DOSSIER_DATA_DIR"] = str(tmp / "data")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from dossier.app import build_window
    from dossier.services.database import close_database, create_database
    from dossier.ui.fonts import register_fonts

    register_fonts()
    db_path = tmp / "sample.db"
    close_database(create_database(db_path, sample=True))
    w = build_window(db_path, False)
    w.resize(1600, 900)
    w.show()
    for _ in range(5):
        app.processEvents()
    w.timeline.plot.fit_all()
    w.select_record("posting", "ri-kil-song-embassy-advisor")
    w.timeline.on_record_selected("posting", "ri-kil-song-embassy-advisor")
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(out))
    print(f"wrote {out}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
