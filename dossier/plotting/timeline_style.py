"""Colours and marker shapes of the timeline, and marker pixmaps stamped in one call per frame."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from dossier.services.timeline import KINDS

KIND_COLOURS = {
    "posting": "#3b6ea8", "meeting": "#c0392b", "visit": "#d35400", "summit": "#8e44ad", "signing": "#16a085",
    "statement": "#7f8c8d", "announcement": "#b7950b", "sanction": "#2c3e50", "other": "#566573",
    "relation": "#6c8e3a",
}
KIND_SHAPES = {  # distinct marker shapes per event kind
    "meeting": "circle", "visit": "triangle", "summit": "square", "signing": "diamond", "statement": "tri_down",
    "announcement": "star", "sanction": "cross", "other": "circle", "posting": "square", "relation": "square",
}
SELECT = QColor("#ff8c00")
LANE_BG = (QColor(246, 247, 249), QColor(236, 239, 243))
GROUP_BG = QColor(214, 220, 228)
DENSITY = QColor("#3b6ea8")
TODAY = QColor("#d62728")
ERA = QColor(255, 170, 60, 38)
MARKER = 11  # px


_COLOURS = [QColor(KIND_COLOURS[k]) for k in KINDS]  # parsed once (parsing a name costs per frame)


def colour(kind_ix: int) -> QColor:
    return QColor(_COLOURS[kind_ix])


def _shape(name: str, s: float) -> QPainterPath:
    p = QPainterPath()
    h = s / 2
    if name == "circle":
        p.addEllipse(QPointF(0, 0), h, h)
    elif name == "square":
        p.addRect(QRectF(-h * 0.85, -h * 0.85, s * 0.85, s * 0.85))
    elif name == "triangle":
        p.addPolygon(QPolygonF([QPointF(0, -h), QPointF(h, h), QPointF(-h, h), QPointF(0, -h)]))
    elif name == "tri_down":
        p.addPolygon(QPolygonF([QPointF(0, h), QPointF(h, -h), QPointF(-h, -h), QPointF(0, h)]))
    elif name == "diamond":
        p.addPolygon(QPolygonF([QPointF(0, -h), QPointF(h, 0), QPointF(0, h), QPointF(-h, 0), QPointF(0, -h)]))
    elif name == "star":
        import math

        pts = []
        for k in range(11):
            r = h if k % 2 == 0 else h * 0.45
            a = -math.pi / 2 + k * math.pi / 5
            pts.append(QPointF(r * math.cos(a), r * math.sin(a)))
        p.addPolygon(QPolygonF(pts))
    elif name == "cross":
        w = h * 0.35
        p.addRect(QRectF(-h, -w, s, 2 * w))
        p.addRect(QRectF(-w, -h, 2 * w, s))
        p.setFillRule(Qt.FillRule.WindingFill)
    return p


_PIXMAPS: dict[tuple[int, int, bool], QPixmap] = {}


def marker_pixmap(kind_ix: int, style: int, selected: bool = False) -> QPixmap:
    """style: 0 exact (filled), 1 approximate (hollow), 2 uncertain (hollow, dashed)."""
    k = (kind_ix, style, selected)
    pm = _PIXMAPS.get(k)
    if pm is None:
        size = MARKER + 6
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate(size / 2, size / 2)
        c = colour(kind_ix)
        path = _shape(KIND_SHAPES[KINDS[kind_ix]], MARKER)
        if selected:
            p.setPen(QPen(SELECT, 5))
            p.drawPath(path)
        pen = QPen(c.darker(130), 1.6)
        if style == 2:
            pen.setStyle(Qt.PenStyle.DotLine)
        p.setPen(pen)
        p.setBrush(QBrush(c) if style == 0 else QBrush(QColor(255, 255, 255, 230)))
        p.drawPath(path)
        p.end()
        _PIXMAPS[k] = pm
    return pm
