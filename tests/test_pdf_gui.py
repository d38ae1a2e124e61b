"""The window's dossier actions: Export PDF for the selection (worker threads), the print preview
(pages actually painted), a clear message for an unwritable target, and the options dialog."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from dossier.app import build_window
from dossier.reports.pdf import PdfOptions


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.dossier_printing.wait()


def _actions(w) -> list[str]:
    return [a.text() for a in w.menus["file"].actions()]


def test_actions_are_in_the_file_menu(window):
    texts = _actions(window)
    assert "&Print dossier…" in texts and "Export dossier &PDF…" in texts and "Country dossier PDF…" in texts


def test_export_selected_person_writes_pdf_off_the_ui_thread(window, qtbot, tmp_path):
    ctl = window.dossier_printing
    target = tmp_path / "ri.pdf"
    ctl.ask_options = lambda: (PdfOptions(caveat="SECRET // TEST CAVEAT", paper="letter"), None)
    asked = []
    ctl.ask_path = lambda suggested: asked.append(suggested) or target
    window.browser.select("person", "ri-kil-song")
    qtbot.waitUntil(lambda: window.details.current is not None and window.details.current.id == "ri-kil-song")
    with qtbot.waitSignal(ctl.finished, timeout=30000) as sig:
        ctl.export_selection()
    assert sig.args == [str(target)]
    assert asked == ["dossier-Ri Kil Song"]
    r = pypdf.PdfReader(str(target))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in r.pages))
    assert "리길성" in text and "SECRET // TEST CAVEAT" in text and "2004 2008" in text
    assert round(float(r.pages[0].mediabox.width)) == 612
    assert "Wrote" in window.statusBar().currentMessage()


def test_export_to_unwritable_target_shows_clear_error(window, qtbot, tmp_path):
    ctl = window.dossier_printing
    bad = tmp_path / "missing-folder" / "x.pdf"
    ctl.ask_options = lambda: (PdfOptions(), None)
    ctl.ask_path = lambda suggested: bad
    with qtbot.waitSignal(ctl.failed, timeout=30000) as sig:
        ctl.export("event", "asean-rok-summit-2019")
    assert "does not exist" in sig.args[0]
    assert not bad.exists()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "does not exist" in boxes[-1].text()
    for b in boxes:
        b.close()


def test_unknown_country_is_reported(window, qtbot):
    ctl = window.dossier_printing
    ctl.ask_options = lambda: (PdfOptions(), None)
    with qtbot.waitSignal(ctl.failed, timeout=30000) as sig:
        ctl.export("country", "ZZ")
    assert "'ZZ' is not an ISO 3166-1" in sig.args[0]
    for b in QApplication.topLevelWidgets():
        if isinstance(b, QMessageBox):
            b.close()


def test_print_preview_paints_pages(window, qtbot, tmp_path):
    ctl = window.dossier_printing
    ctl.ask_options = lambda: (PdfOptions(), None)
    window.browser.select("person", "ri-kil-song")
    with qtbot.waitSignal(ctl.previewed, timeout=30000) as sig:
        ctl.preview_selection()
    dlg = sig.args[0]
    qtbot.waitUntil(lambda: dlg.isVisible())
    qtbot.wait(200)
    img: QImage = dlg.grab().toImage()
    # the preview shows white pages with dark text on the grey background: many distinct colours
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 15
    img.save(str(tmp_path / "preview.png"))
    dlg.close()


def test_options_dialog_allows_empty_caveat(window, qtbot):
    from dossier.ui.print_dossier import OptionsDialog

    dlg = OptionsDialog(window, "UNCLASSIFIED // FOR OFFICIAL USE ONLY", "letter")
    qtbot.addWidget(dlg)
    dlg.caveat.clear()
    opts, as_of = dlg.result_options()
    assert opts.caveat == "" and opts.paper == "letter" and as_of is None
