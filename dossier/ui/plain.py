"""Showing data as plain text, always (RELIABILITY.md rule 13).

QLabel, QMessageBox and tooltips guess whether a string is rich text; an imported `<img src=...>`
would then be fetched and a nested-table bomb would freeze the window.  Every widget that shows data
goes through these helpers."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def label(text: str = "", parent: QWidget | None = None) -> QLabel:
    w = QLabel(parent)
    w.setTextFormat(Qt.TextFormat.PlainText)
    w.setText(text)
    return w


def tooltip(text: str) -> str:
    """A tooltip is rich text when Qt thinks it might be; escaped HTML keeps data literal."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def message(parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
            detail: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if detail:
        box.setDetailedText(detail)
    return box
