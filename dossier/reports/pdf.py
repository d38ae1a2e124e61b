"""Dossier -> escaped HTML -> QTextDocument -> pages on a QPdfWriter (or a QPrinter for the preview).

Every page carries a header and a footer with the handling caveat and "Page N of M"; page 1 is the
cover; a contents list follows when the body runs to three pages or more.  The same data and options
give the same PDF bytes: the document id, the XMP metadata and the creation date are derived from the
dossier's "as of" date, never from the clock.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QHashSeed, QMarginsF, QRectF, QSizeF, Qt, QUrl, QUuid
from PySide6.QtGui import (
    QAbstractTextDocumentLayout, QColor, QPageLayout, QPageSize, QPagedPaintDevice, QPainter, QPdfWriter, QPen,
    QTextDocument,
)

from dossier import __version__
from dossier.reports import html_builder as hb
from dossier.reports.charts import RenderedCharts
from dossier.reports.fonts import ensure_fonts, report_font
from dossier.reports.safe_output import write_atomically
from dossier.services.dossier_model import Dossier

DEFAULT_CAVEAT = "UNCLASSIFIED // FOR OFFICIAL USE ONLY"
PAPERS = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
RESOLUTION = 300  # device pixels per inch for layout; text and rules stay vector
MM = 1 / 25.4


@dataclass
class PdfOptions:
    paper: str = "a4"
    caveat: str = DEFAULT_CAVEAT
    author: str = ""
    base_pt: float = 9.5
    contents_from_pages: int = 3  # a contents list when the body has at least this many pages


@dataclass
class PdfResult:
    path: Path | None
    pages: int
    size: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class ReportDocument(QTextDocument):
    """A QTextDocument that serves only the chart images we put in it: any other resource (a file, a
    URL) is refused, whatever markup might get in."""

    def loadResource(self, type_: int, url: QUrl):  # noqa: N802 - Qt API
        if url.scheme() == hb.CHART_SCHEME:
            return super().loadResource(type_, url)
        return None


def _doc(device: QPagedPaintDevice, html: str, width: float, height: float, base_pt: float,
         images: dict[int, object] | None = None) -> ReportDocument:
    d = ReportDocument()
    d.documentLayout().setPaintDevice(device)
    d.setDocumentMargin(0)
    d.setDefaultFont(report_font(base_pt))
    d.setDefaultStyleSheet(hb.stylesheet(base_pt))
    for k, img in (images or {}).items():
        d.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"{hb.CHART_SCHEME}:{k}"), img)
    d.setPageSize(QSizeF(width, height))
    d.setHtml(html)
    return d


class _Geometry:
    def __init__(self, device: QPagedPaintDevice):
        dpi = device.logicalDpiY()
        full = device.pageLayout().fullRectPixels(dpi)
        self.dpi = dpi
        self.page = QRectF(0, 0, full.width(), full.height())
        mm = dpi * MM
        self.left, self.right = 18 * mm, 18 * mm
        self.top, self.bottom = 24 * mm, 20 * mm
        self.body = QRectF(self.left, self.top, self.page.width() - self.left - self.right,
                           self.page.height() - self.top - self.bottom)
        self.mm = mm


def _draw_doc_page(painter: QPainter, doc: QTextDocument, index: int, body: QRectF) -> None:
    h = doc.pageSize().height()
    painter.save()
    painter.translate(body.left(), body.top() - index * h)
    clip = QRectF(0, index * h, body.width(), h)
    painter.setClipRect(clip)
    ctx = QAbstractTextDocumentLayout.PaintContext()
    ctx.clip = clip
    doc.documentLayout().draw(painter, ctx)
    painter.restore()


def _draw_frame(painter: QPainter, g: _Geometry, d: Dossier, opts: PdfOptions, page: int, total: int) -> None:
    """Header and footer: the caveat on every page, the dossier's name, "Page N of M"."""
    painter.save()
    mm = g.mm
    small = report_font(7.5)
    cav_font = report_font(8.5, bold=True)
    head = QRectF(g.left, 8 * mm, g.body.width(), 6 * mm)
    foot = QRectF(g.left, g.page.height() - 14 * mm, g.body.width(), 6 * mm)
    painter.setPen(QColor("#7a0000"))
    painter.setFont(cav_font)
    if opts.caveat:
        painter.drawText(head, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, opts.caveat)
        painter.drawText(foot, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, opts.caveat)
    painter.setPen(QColor("#333333"))
    painter.setFont(small)
    sub = QRectF(g.left, 14.5 * mm, g.body.width(), 5 * mm)
    painter.drawText(sub, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{d.title}: {d.subject}")
    painter.drawText(sub, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Information as of {d.as_of}")
    painter.drawText(foot, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, f"Page {page} of {total}")
    painter.drawText(foot, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, f"Dossier {__version__}")
    pen = QPen(QColor("#9aa3b0"))
    pen.setWidthF(0.25 * mm)
    painter.setPen(pen)
    painter.drawLine(g.left, 20 * mm, g.left + g.body.width(), 20 * mm)
    painter.drawLine(g.left, g.page.height() - 16 * mm, g.left + g.body.width(), g.page.height() - 16 * mm)
    painter.restore()


def _heading_pages(doc: QTextDocument) -> list[tuple[str, int]]:
    """(heading text, 0-based page) of every level-2 heading, in order."""
    lay = doc.documentLayout()
    h = doc.pageSize().height()
    out = []
    b = doc.begin()
    while b.isValid():
        if b.blockFormat().headingLevel() == 2:
            out.append((b.text(), int(lay.blockBoundingRect(b).top() // h)))
        b = b.next()
    return out


def paint_dossier(device: QPagedPaintDevice, d: Dossier, opts: PdfOptions, charts: RenderedCharts | None = None
                  ) -> tuple[int, dict[str, float]]:
    """Lay out and paint the whole dossier on `device` (already sized).  Returns (pages, timings)."""
    ensure_fonts()
    t = {"html": 0.0, "layout": 0.0, "paint": 0.0}
    t0 = time.perf_counter()
    g = _Geometry(device)
    charts = charts or RenderedCharts()
    display_w = g.body.width() * 96.0 / g.dpi  # images are sized in 1/96 inch by the text layout
    info = {k: (int(display_w), None) for k in charts.images}
    info.update({k: (None, why) for k, why in charts.unavailable.items()})
    body_html = hb.body_html(d, info)
    cover_html = hb.cover_html(d, author=opts.author, caveat=opts.caveat)
    t["html"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    w, h = g.body.width(), g.body.height()
    body = _doc(device, body_html, w, h, opts.base_pt, charts.images)
    cover = _doc(device, cover_html, w, h, opts.base_pt)
    body_pages, cover_pages = body.pageCount(), cover.pageCount()
    contents = None
    contents_pages = 0
    if body_pages >= opts.contents_from_pages:
        heads = _heading_pages(body)
        for _ in range(2):  # the numbers depend on how long the contents list itself is
            first_body = cover_pages + max(contents_pages, 1) + 1
            contents = _doc(device, hb.contents_html([(txt, first_body + p) for txt, p in heads]), w, h,
                            opts.base_pt)
            contents_pages = contents.pageCount()
    total = cover_pages + contents_pages + body_pages
    t["layout"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("the PDF device could not be opened for painting")
    page = 0
    try:
        for doc, n in ((cover, cover_pages), (contents, contents_pages), (body, body_pages)):
            for i in range(n):
                if page:
                    device.newPage()
                page += 1
                _draw_doc_page(painter, doc, i, g.body)
                _draw_frame(painter, g, d, opts, page, total)
    finally:
        painter.end()
    t["paint"] = time.perf_counter() - t0
    return total, t


def _xmp(d: Dossier, opts: PdfOptions, stamp: str, doc_id: str) -> bytes:
    from html import escape

    title = escape(f"{d.title}: {d.subject}")
    return ("<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
            "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
            "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' "
            "xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/' "
            "xmlns:pdf='http://ns.adobe.com/pdf/1.3/'>"
            f"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>{title}</rdf:li></rdf:Alt></dc:title>"
            f"<dc:creator><rdf:Seq><rdf:li>{escape(opts.author)}</rdf:li></rdf:Seq></dc:creator>"
            f"<xmp:CreatorTool>Dossier {__version__}</xmp:CreatorTool><xmp:CreateDate>{stamp}</xmp:CreateDate>"
            f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate><xmp:MetadataDate>{stamp}</xmp:MetadataDate>"
            f"<xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>"
            "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>").encode("utf-8")


_CREATION = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9]{14}[^)]{0,8}\)")


def fix_creation_date(data: bytes, as_of: str) -> bytes:
    """Replace Qt's clock-based creation and modification dates with the dossier's "as of" date (same
    length, so the cross-reference offsets stay valid)."""
    def repl(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        new = b"/" + m.group(1) + f" (D:{as_of.replace('-', '')}000000".encode()
        tail = old[len(new):]
        return new + re.sub(rb"[0-9]", b"0", tail)
    return _CREATION.sub(repl, data)


def configure_writer(w: QPdfWriter, d: Dossier, opts: PdfOptions) -> None:
    w.setResolution(RESOLUTION)
    w.setPageSize(QPageSize(PAPERS[opts.paper]))
    w.setPageOrientation(QPageLayout.Orientation.Portrait)
    w.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    w.setTitle(f"{d.title}: {d.subject}")
    w.setCreator(f"Dossier {__version__}")
    w.setAuthor(opts.author)
    seed = "\x1f".join((d.kind, d.subject_id, d.as_of, opts.paper, opts.caveat, opts.author))
    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, "dossier:" + seed)
    w.setDocumentId(QUuid(str(doc_id)))
    w.setDocumentXmpMetadata(_xmp(d, opts, f"{d.as_of}T00:00:00Z", str(doc_id)))


def write_pdf(d: Dossier, target: str | Path, opts: PdfOptions | None = None,
              charts: RenderedCharts | None = None) -> PdfResult:
    """Write the dossier to `target` safely (temp file beside it, checked, renamed).  Raises
    ReportWriteError with a clear message when it cannot."""
    opts = opts or PdfOptions()
    if opts.paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {opts.paper!r}")
    result = PdfResult(Path(target), 0)

    def produce(tmp: Path) -> None:
        # Qt's PDF writer embeds fonts in the order of a QHash, whose seed is random per process: with a
        # random seed the same dossier came out with its fonts in a different order on every run.
        QHashSeed.setDeterministicGlobalSeed()
        w = QPdfWriter(str(tmp))
        configure_writer(w, d, opts)
        pages, secs = paint_dossier(w, d, opts, charts)
        result.pages, result.seconds = pages, secs
        del w  # flushes and closes the file

    t0 = time.perf_counter()
    result.size = write_atomically(target, produce, lambda b: fix_creation_date(b, d.as_of))
    result.seconds["write"] = time.perf_counter() - t0 - sum(result.seconds.values())
    if charts is not None:
        result.seconds["charts"] = charts.seconds
    return result
