"""Editing in the window, driven through real widgets (pytest-qt, offscreen): forms with sources,
validation next to the field, undo/redo from the Edit menu, history, as-of, merge, timeline gestures."""

from __future__ import annotations

import datetime as _dt
import time

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence

from dossier.app import build_window
from dossier.domain.timeaxis import DAY, EPOCH_ORDINAL
from dossier.services import editing
from dossier.storage import editing as st

JOURNAL = ("import_batch", "change_log")


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.resize(1500, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def dump(db, mask=frozenset()):
    out = st.dump(db, skip=JOURNAL)
    for t, rows in out.items():
        cols = [r[1] for r in db.conn.execute(f'PRAGMA table_info("{t}")')] if t != "search_fts" else []
        if "batch_id" in cols:
            i = cols.index("batch_id")
            out[t] = sorted((tuple("B" if (j == i and v in mask) else v for j, v in enumerate(r)) for r in rows),
                            key=repr)
    return out


def pick_source(qtbot, picker, text: str, source_id: str) -> None:
    qtbot.keyClicks(picker.search, text)
    lw = picker.list
    row = next(i for i in range(lw.count()) if lw.item(i).data(Qt.ItemDataRole.UserRole + 7) == source_id)
    assert not lw.item(row).isHidden()
    lw.setCurrentRow(row)
    lw.setFocus()
    qtbot.keyClick(lw, Qt.Key.Key_Space)  # the user ticks it
    assert lw.item(row).checkState() == Qt.CheckState.Checked


def fill_meeting(qtbot, dlg) -> None:
    dlg.fields["kind"].editor.setCurrentIndex(dlg.fields["kind"].editor.findData("meeting"))
    qtbot.keyClicks(dlg.fields["title"].editor, "Ri Kil Song meets Hun Manet")
    qtbot.keyClicks(dlg.fields["start"].editor, "2019-11-27")
    qtbot.keyClicks(dlg.fields["place"].editor, "Phnom Penh")
    qtbot.mouseClick(dlg.participants.add_button, Qt.MouseButton.LeftButton)
    who = dlg.participants.table.cellWidget(0, 0)
    qtbot.keyClicks(who.lineEdit(), "ri-kil-song")


def plot_image(w, x0: float, x1: float):
    w.timeline.plot.vb.setXRange(x0, x1, padding=0)
    w.timeline.plot.scroll_to_lane(w.timeline.layout_.lane_of_entity("ri-kil-song"))
    for _ in range(3):
        w.timeline.plot.repaint()
    return w.timeline.plot.grab().toImage()


def test_add_meeting_through_the_form(window, qtbot):
    db = window.session.db
    day = _dt.date(2019, 11, 27).toordinal()
    x0, x1 = (day - 20 - EPOCH_ORDINAL) * DAY, (day + 20 - EPOCH_ORDINAL) * DAY
    before_img = plot_image(window, x0, x1)
    ctl = window.editing
    dlg = ctl.new_record("events")
    fill_meeting(qtbot, dlg)
    assert not dlg.save_button.isEnabled()  # no source yet
    assert dlg.picker.message.isVisible() and "Unsourced" in dlg.picker.message.text()
    pick_source(qtbot, dlg.picker, "seed", "seed-article")
    qtbot.keyClicks(dlg.picker.quote, "Ri met the prime minister")
    assert dlg.fields["id"].text() == "ri-kil-song-meets-hun-manet"
    assert dlg.save_button.isEnabled()
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    ev = editing.record(db, "events", ("ri-kil-song-meets-hun-manet",))
    assert ev["start"] == "2019-11-27" and ev["source"] == ["seed-article"] and ev["quote"] == "Ri met the prime minister"
    # the details panel shows it, with its source
    assert window.details.current.id == "ri-kil-song-meets-hun-manet"
    assert window.details.findItems("27 Nov 2019", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
    assert "Ri Kil Song (participant)" in window.details.text()
    # the timeline has it in Ri Kil Song's lane, and draws it (pixels change where it is)
    from dossier.services.timeline_text import key_of

    key = key_of(db, "event", "ri-kil-song-meets-hun-manet")
    lay = window.timeline.layout_
    i = lay.data.index_of_key(key)
    assert i is not None
    lane = lay.lane_of_entity("ri-kil-song")
    assert lane in {int(lay.r_lane[r]) for r in lay.rows_of_item(i)}
    after_img = plot_image(window, x0, x1)
    assert after_img != before_img
    # one step on the undo stack, named after the change
    assert ctl.stack.count() == 1 and "ri-kil-song-meets-hun-manet" in ctl.stack.text(0)


def test_undo_and_redo_restore_exactly(window, qtbot):
    db = window.session.db
    ctl = window.editing
    before = dump(db)
    dlg = ctl.new_record("events")
    fill_meeting(qtbot, dlg)
    pick_source(qtbot, dlg.picker, "Khmer", "khmer-times")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    batch1 = ctl.stack.command(0).batch
    after = dump(db, {batch1})
    undo = next(a for a in window.menus["edit"].actions() if a.shortcut() == QKeySequence("Ctrl+Z"))
    redo = next(a for a in window.menus["edit"].actions() if QKeySequence("Ctrl+Shift+Z") in a.shortcuts())
    assert "ri-kil-song-meets-hun-manet" in undo.text()
    undo.trigger()
    assert dump(db) == before
    assert window.browser.lists["event"].count() == len(editing.choices(db, "events"))
    assert not any("Hun Manet" in window.browser.lists["event"].item(i).text()
                   for i in range(window.browser.lists["event"].count()))
    redo.trigger()
    batch2 = ctl.stack.command(0).batch
    assert batch2 != batch1
    assert dump(db, {batch2}) == after
    # deletes are steps too
    ctl.delete_record("event", "ri-kil-song-meets-hun-manet", confirm=False)
    assert editing.record(db, "events", ("ri-kil-song-meets-hun-manet",)) is None
    ctl.stack.undo()
    assert dump(db, {batch2}) == after
    ctl.stack.undo()
    assert dump(db) == before


def test_validation_messages_next_to_the_field_block_saving(window, qtbot):
    dlg = window.editing.new_record("events")
    fill_meeting(qtbot, dlg)
    pick_source(qtbot, dlg.picker, "seed", "seed-article")
    assert dlg.save_button.isEnabled()
    start = dlg.fields["start"]
    start.editor.clear()
    qtbot.keyClicks(start.editor, "2019-13-01")
    assert start.message.isVisible() and "no month 13" in start.message.text()
    assert start.message.textFormat() == Qt.TextFormat.PlainText
    # next to the field: directly under its editor, in the same row of the form
    geo_e, geo_m = start.editor.geometry(), start.message.geometry()
    assert geo_m.top() >= geo_e.bottom() and geo_m.top() - geo_e.bottom() < 12 and geo_m.left() == geo_e.left()
    assert not dlg.save_button.isEnabled()
    start.editor.clear()
    qtbot.keyClicks(start.editor, "2019-11")
    assert dlg.save_button.isEnabled() and "month precision" in start.message.text()
    qtbot.keyClicks(dlg.fields["end"].editor, "2019-10")
    assert "end 2019-10 is before start 2019-11" in dlg.fields["end"].message.text()
    assert not dlg.save_button.isEnabled()
    dlg.fields["end"].editor.clear()
    qtbot.keyClicks(dlg.fields["country"].editor.lineEdit(), "XX")
    assert "XX" in dlg.fields["country"].message.text() and not dlg.save_button.isEnabled()


def test_unsourced_only_by_the_explicit_box(window, qtbot):
    dlg = window.editing.new_record("events")
    fill_meeting(qtbot, dlg)
    assert not dlg.save_button.isEnabled()
    qtbot.mouseClick(dlg.picker.unsourced, Qt.MouseButton.LeftButton)
    assert dlg.save_button.isEnabled()
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert "[UNSOURCED]" in window.details.text()


def test_new_source_created_in_the_picker(window, qtbot):
    dlg = window.editing.new_record("events")
    fill_meeting(qtbot, dlg)
    vals = {"id": "cable-123", "publisher": "Embassy Phnom Penh", "title": "Cable 123", "published": "2019-11-28",
            "reliability": "B", "credibility": 2}
    from dossier.exchange.dossier_csv import validate_cell

    vals["published"] = validate_cell("sources", "published", "2019-11-28")[0]
    dlg.picker.add_new_source(vals)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert editing.record(window.session.db, "sources", ("cable-123",))["publisher"] == "Embassy Phnom Penh"
    assert "Embassy Phnom Penh" in window.details.text()
    window.editing.stack.undo()  # the new source goes with the edit
    assert editing.record(window.session.db, "sources", ("cable-123",)) is None


def test_history_dialog_shows_the_change(window, qtbot):
    ctl = window.editing
    dlg = ctl.edit_record("event", "ri-sokhonn-meeting-2019")
    assert dlg.fields["id"].editor.isReadOnly() and dlg.fields["start"].text() == "2019"
    dlg.fields["start"].editor.clear()
    qtbot.keyClicks(dlg.fields["start"].editor, "2019-11")
    pick_source(qtbot, dlg.picker, "Phnom", "phnom-penh-post")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    h = ctl.history_dialog("event", "ri-sokhonn-meeting-2019")
    text = h.text()
    assert "start: 2019 -> 2019-11" in text
    assert "source: seed-article|khmer-times -> seed-article|khmer-times|phnom-penh-post" in text
    assert "edit" in text and "first recorded" in text
    top = h.tree.topLevelItem(0)  # newest first: this edit, with the sources the record has after it
    assert top.text(2) == "changed" and top.text(3) == "seed-article, khmer-times, phnom-penh-post"
    items = h.tree.findItems("start: 2019 -> 2019-11", Qt.MatchFlag.MatchRecursive, 2)
    assert items and h.tree.visualItemRect(items[0]).height() > 0


def test_as_of_before_the_change_does_not_contain_it(window, qtbot):
    ctl = window.editing
    t0 = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    time.sleep(1.1)
    dlg = ctl.new_record("events")
    fill_meeting(qtbot, dlg)
    pick_source(qtbot, dlg.picker, "seed", "seed-article")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    events = window.browser.lists["event"]

    def shown() -> list[str]:
        return [events.item(i).text() for i in range(events.count())]

    assert any("Hun Manet" in t for t in shown())
    assert ctl.show_as_of(t0.isoformat())
    assert not any("Hun Manet" in t for t in shown()) and len(shown()) > 0
    assert "AS OF" in window.windowTitle()
    # an export of the past data (what `dossier export pdf --as-of` reads) lacks it too
    from dossier.services import exporting

    out = window.session.path.parent / "events-as-of.csv"
    exporting.export_kind_to_file(window.session.db, "events", out)
    assert "Hun Manet" not in out.read_text("utf-8-sig") and "Ri Kil Song meets Prak Sokhonn" in out.read_text("utf-8-sig")
    ctl.back_to_now()
    assert any("Hun Manet" in t for t in shown())


def test_merge_is_one_undoable_step(window, qtbot):
    db = window.session.db
    ctl = window.editing
    from dossier.exchange.dossier_csv import validate_cell

    v = {c: validate_cell("people", c, t)[0] for c, t in
         {"id": "ri-kil-song-dup", "name": "Ri Kil-song", "native_name": "리길성", "nationality": "PRK"}.items()}
    v.update(source=["seed-article"], quote="")
    ctl.save_rows([editing.EditRow("people", v)], "duplicate person")
    before = dump(db)
    dlg = ctl.merge_dialog("person", "ri-kil-song")
    assert dlg.chosen() == "ri-kil-song-dup"  # suggested (same name without the hyphen), not merged yet
    assert editing.record(db, "people", ("ri-kil-song-dup",)) is not None
    dlg.accept()
    assert editing.record(db, "people", ("ri-kil-song-dup",)) is None
    assert "Ri Kil-song" in window.details.text()  # the other's name is now an other name
    assert ctl.stack.count() == 2 and "merge person ri-kil-song-dup into ri-kil-song" == ctl.stack.text(1)
    ctl.stack.undo()
    assert dump(db) == before
    ctl.stack.redo()
    assert editing.record(db, "people", ("ri-kil-song-dup",)) is None


def _scene_point(plot, x: float, y: float) -> QPoint:
    sp = plot.vb.mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(sp)


def test_timeline_double_click_creates_a_posting_there(window, qtbot):
    plot = window.timeline.plot
    lay = window.timeline.layout_
    lane = lay.lane_of_entity("ri-kil-song")
    day = _dt.date(2012, 6, 15).toordinal()
    x = (day - EPOCH_ORDINAL + 0.5) * DAY
    plot.vb.setXRange((day - 3000 - EPOCH_ORDINAL) * DAY, (day + 3000 - EPOCH_ORDINAL) * DAY, padding=0)
    plot.scroll_to_lane(lane)
    plot.repaint()
    y = lay.lanes[lane].top + lay.lanes[lane].rows - 0.1
    pos = _scene_point(plot, x, y)
    assert plot.row_at(plot.mapToScene(pos)) is None  # an empty spot
    qtbot.mouseDClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseRelease(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)  # QTest's double click ends pressed
    ctl = window.editing
    qtbot.waitUntil(lambda: ctl.dialog is not None and ctl.dialog.objectName() == "new-at-dialog")
    at = ctl.dialog
    from PySide6.QtWidgets import QLabel

    assert any(lbl.text() == "Ri Kil Song, at 2012-06-15" for lbl in at.findChildren(QLabel))
    assert not at.ok.isEnabled()  # the precision is chosen explicitly
    at.posting.setChecked(True)
    at.precision.setCurrentIndex(at.precision.findData("year"))
    qtbot.mouseClick(at.ok, Qt.MouseButton.LeftButton)
    form = ctl.dialog
    assert form.objectName() == "form-postings"
    assert form.fields["person"].text() == "ri-kil-song" and form.fields["start"].text() == "2012"
    qtbot.keyClicks(form.fields["position"].editor, "Counsellor")
    pick_source(qtbot, form.picker, "seed", "seed-article")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    rec = editing.record(window.session.db, "postings", ("counsellor",))
    assert rec["person"] == "ri-kil-song" and rec["start"] == "2012"


def test_dragging_a_bar_end_keeps_its_precision(window, qtbot):
    db = window.session.db
    plot = window.timeline.plot
    from dossier.services.timeline_text import key_of

    lay = window.timeline.layout_
    i = lay.data.index_of_key(key_of(db, "posting", "ri-kil-song-embassy-advisor"))
    row = int(lay.rows_of_item(i)[0])
    plot.vb.setXRange(lay.x0[row] - 4 * 365 * DAY, lay.x1[row] + 4 * 365 * DAY, padding=0)
    plot.scroll_to_row(float(lay.r_y[row]))
    plot.repaint()
    y = float(lay.r_y[row]) + 0.5
    start = _scene_point(plot, float(lay.x1[row]) - DAY, y)  # the bar's end (end of 2008)
    assert plot.edge_at(plot.mapToScene(start)) == (row, "end")
    target_x = (_dt.date(2010, 7, 1).toordinal() - EPOCH_ORDINAL) * DAY
    stop = _scene_point(plot, target_x, y)
    vp = plot.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 11):
        qtbot.mouseMove(vp, start + (stop - start) * k / 10)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=stop)
    ctl = window.editing
    qtbot.waitUntil(lambda: ctl.dialog is not None and ctl.dialog.objectName() == "date-change-dialog")
    dlg = ctl.dialog
    assert dlg.precision.currentData() == "year" and dlg.date_text() == "2010"
    assert dlg.save_button.isEnabled()  # the record's sources are kept; more can be ticked
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    rec = editing.record(db, "postings", ("ri-kil-song-embassy-advisor",))
    assert rec["end"] == "2010" and rec["start"] == "2004"
    # the precision can also be set explicitly
    ctl.stack.undo()
    assert editing.record(db, "postings", ("ri-kil-song-embassy-advisor",))["end"] == "2008"
    dlg2 = ctl.timeline_drag(row, "end", target_x + DAY)
    dlg2.precision.setCurrentIndex(dlg2.precision.findData("month"))
    assert dlg2.date_text() == "2010-07"
    dlg2.accept()
    assert editing.record(db, "postings", ("ri-kil-song-embassy-advisor",))["end"] == "2010-07"


def test_gui_import_is_one_undoable_step(window, qtbot, tmp_path):
    db = window.session.db
    ctl = window.editing
    before = dump(db)
    f = tmp_path / "events.csv"
    f.write_text("id,kind,title,start,place,country,source\n"
                 "cable-meeting,meeting,Meeting reported by cable,2020-02,Phnom Penh,KHM,seed-article\n"
                 "cable-visit,visit,Visit reported by cable,2020-03~,Pyongyang,PRK,seed-article\n", encoding="utf-8")
    dialog = window.import_feature.review([f])  # issue 5's change-set review
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.worker.isRunning(), timeout=20000)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.stack.count() == 1, timeout=20000)
    assert editing.record(db, "events", ("cable-visit",))["start"] == "2020-03~"
    assert ctl.stack.text(0) == "import events.csv"
    batch = ctl.stack.command(0).batch
    after = dump(db, {batch})
    ctl.stack.undo()
    assert dump(db) == before
    assert not any("Visit reported by cable" in window.browser.lists["event"].item(i).text()
                   for i in range(window.browser.lists["event"].count()))
    ctl.stack.redo()
    assert dump(db, {ctl.stack.command(0).batch}) == after


def test_closing_while_showing_past_data_closes_the_real_database(window, qtbot):
    real = window.session
    assert window.editing.show_as_of("2999-01-01")
    assert window.session is not real
    window.close()
    assert window.session is real
    with pytest.raises(Exception):
        real.db.conn.execute("SELECT 1")  # closed by the window, after switching back


def test_reachable_from_browser_menu_details_tools_and_edit_menu(window, qtbot):
    ctl = window.editing
    people = window.browser.lists["person"]
    row = next(i for i in range(people.count()) if people.item(i).text().startswith("Ri Kil Song"))
    from dossier.ui.main_window import ROLE_REF

    menu = ctl.record_menu(people, tuple(people.item(row).data(ROLE_REF)))
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Edit…", "History…", "Merge another record into this one…", "Delete…"]
    menu.actions()[0].trigger()
    assert ctl.dialog.objectName() == "form-people" and ctl.dialog.fields["id"].text() == "ri-kil-song"
    assert ctl.dialog.fields["native_name"].text() == "리길성"
    ctl.dialog.reject()
    # the details panel's tool bar acts on the shown record
    window.select_record("event", "ri-sokhonn-meeting-2019")
    from PySide6.QtWidgets import QToolBar

    bar = window.details_dock.widget().findChild(QToolBar, "details-tools")
    edit = next(a for a in bar.actions() if a.objectName() == "details-edit")
    edit.trigger()
    assert ctl.dialog.objectName() == "form-events" and ctl.dialog.fields["title"].text() == "Ri Kil Song meets Prak Sokhonn"
    ctl.dialog.reject()
    # Edit > New … for every kind of fact, and the undo/redo pair
    names = [a.text() for a in window.menus["edit"].actions()]
    for t in ("New &person…", "New &organisation…", "New po&sting…", "New &event…", "New &relation…",
              "New s&tatement…", "New &quoted figure…", "New trade &row…", "New so&urce…", "History of &edits…"):
        assert t in names, t
    new_figure = next(a for a in window.menus["edit"].actions() if a.text() == "New &quoted figure…")
    new_figure.trigger()
    assert ctl.dialog.objectName() == "form-figures" and "unit" in ctl.dialog.fields
