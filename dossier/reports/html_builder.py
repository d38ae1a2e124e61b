"""A `Dossier` as HTML for QTextDocument.  EVERY value from data goes through `esc()` (html.escape with
quotes): an imported `<img src='/etc/passwd'>` or a nested-table bomb prints as the literal text it is
(RELIABILITY.md rule 13).  The only markup is ours; the only images are the charts we rendered, named
`dossier-chart:N` and served by the report document itself (no file or network is ever read)."""

from __future__ import annotations

import html

from dossier.reports.fonts import css_families
from dossier.services.dossier_model import Cell, Chart, Conflict, Dossier, Para, Table

CHART_SCHEME = "dossier-chart"
TABLE_CHUNK = 40
# Grid lines are the table's background showing through 1-unit cell spacing: Qt lays out real borders
# (border-collapse) about a quarter slower on long tables (bench/pdf_bench.py).
TABLE_OPEN = "<table class='data' width='100%' border='0' cellspacing='1' cellpadding='3' bgcolor='#9aa3b0'>"


def esc(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def stylesheet(base_pt: float = 9.5) -> str:
    return (f"body {{ font-family: {css_families()}; font-size: {base_pt}pt; color: #111; }}"
            f"h1 {{ font-size: {base_pt * 2.0:.1f}pt; font-weight: bold; margin-bottom: 4pt; }}"
            f"h2 {{ font-size: {base_pt * 1.35:.1f}pt; font-weight: bold; margin-top: 14pt; margin-bottom: 4pt; "
            f"color: #1d3557; }}"
            f"p {{ margin-top: 2pt; margin-bottom: 3pt; }}"
            f"p.note {{ color: #444; font-style: italic; }}"
            f"p.fn {{ margin-top: 0pt; margin-bottom: 4pt; font-size: {base_pt * 0.9:.1f}pt; }}"
            f"p.caption {{ color: #444; font-size: {base_pt * 0.85:.1f}pt; }}"
            f"table.data {{ font-size: {base_pt * 0.88:.1f}pt; }}"
            f"table.data th {{ background-color: #e6e9ef; font-weight: bold; text-align: left; }}"
            f"table.conflict {{ background-color: #fff1d6; }}"
            f"sup {{ font-size: {base_pt * 0.7:.1f}pt; color: #1d3557; }}")


def refs(notes: list[int]) -> str:
    if not notes:
        return ""
    return f"<sup>[{', '.join(str(n) for n in notes)}]</sup>"


def _cell(c: Cell) -> str:
    return esc(c.text) + refs(c.notes)


def _table(t: Table) -> str:
    out = []
    if t.caption:
        out.append(f"<p class='caption'>{esc(t.caption)}</p>")
    if not t.rows:
        out.append(f"<p class='note'>{esc(t.empty[:1].upper() + t.empty[1:])}.</p>")
        return "".join(out)
    widths = column_widths(t)
    # Long tables are printed as consecutive tables of TABLE_CHUNK rows, each with the header: Qt lays out
    # and paints a table cell by cell on every page it spans, so one 500-row table costs far more than
    # twelve short ones (measured in bench/pdf_bench.py).
    for start in range(0, len(t.rows), TABLE_CHUNK):
        out.append(TABLE_OPEN + "<thead><tr>")
        out.extend(f"<th width='{w}%'>{esc(col)}</th>" for col, w in zip(t.columns, widths, strict=True))
        out.append("</tr></thead><tbody>")
        for row in t.rows[start:start + TABLE_CHUNK]:
            out.append("<tr>" + "".join(f"<td bgcolor='#ffffff'>{_cell(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
    return "".join(out)


def column_widths(t: Table) -> list[int]:
    """Percent widths from the content: each column gets at least room for its longest word (about 1%
    of the body width per character at table size, so words are not broken) and the rest is shared in
    proportion to the columns' typical text length."""
    mins, avgs = [], []
    for i, col in enumerate(t.columns):
        texts = [col] + [r[i].text + (" [00]" if r[i].notes else "") for r in t.rows if i < len(r)]
        longest_word = max((len(w) for x in texts for w in x.split()), default=1)
        mins.append(min(longest_word, 30) * 1.1 + 3)
        avgs.append(max(sum(len(x) for x in texts) / len(texts), 1))
    room = 100 - sum(mins)
    if room < 0:
        widths = [m * 100 / sum(mins) for m in mins]
    else:
        widths = [m + room * a / sum(avgs) for m, a in zip(mins, avgs, strict=True)]
    pct = [max(3, round(w)) for w in widths]
    pct[pct.index(max(pct))] += 100 - sum(pct)
    return pct


def _conflict(c: Conflict) -> str:
    alts = " &nbsp;·&nbsp; ".join(f"({chr(97 + i)}) {_cell(a)}" for i, a in enumerate(c.alternatives))
    return ("<table class='conflict' width='100%' border='0' cellpadding='4' cellspacing='0'><tr><td>"
            f"<b>Sources disagree</b> on {esc(c.label)}: {alts}. All values are shown; none is chosen here."
            "</td></tr></table>")


def chart_html(index: int, chart: Chart, image_width: int | None, unavailable: str | None) -> str:
    if image_width is None:
        return f"<p class='note'>{esc(chart.caption)}: chart unavailable — {esc(unavailable or 'not rendered')}.</p>"
    return (f"<p><img src='{CHART_SCHEME}:{index}' width='{image_width}'></p>"
            f"<p class='caption'>{esc(chart.caption)}</p>")


def body_html(d: Dossier, charts: dict[int, tuple[int | None, str | None]]) -> str:
    """charts: chart index -> (display width or None, reason when unavailable)."""
    out = ["<html><body>"]
    k = 0
    for i, sec in enumerate(d.sections, start=1):
        out.append(f"<h2>{i}. {esc(sec.title)}</h2>")
        for b in sec.blocks:
            if isinstance(b, Table):
                out.append(_table(b))
            elif isinstance(b, Para):
                cls = " class='note'" if b.style == "note" else ""
                out.append(f"<p{cls}>{esc(b.text)}{refs(b.notes)}</p>")
            elif isinstance(b, Conflict):
                out.append(_conflict(b))
            elif isinstance(b, Chart):
                w, why = charts.get(k, (None, "not rendered"))
                out.append(chart_html(k, b, w, why))
                k += 1
    n = len(d.sections)
    out.append(f"<h2>{n + 1}. Notes</h2>")
    if not d.notes:
        out.append("<p class='note'>No fact in this dossier cites a source.</p>")
    for note in d.notes:
        bits = [x for x in (esc(note.publisher), f"“{esc(note.title)}”" if note.title else "", esc(note.published))
                if x]
        quote = f" <i>“{esc(note.quote)}”</i>" if note.quote else " (no quoted sentence recorded)"
        loc = f" ({esc(note.locator)})" if note.locator else ""
        out.append(f"<p class='fn'><b>[{note.number}]</b> {', '.join(bits)}. Grade <b>{esc(note.grade)}</b>. "
                   f"Source S{note.source_number}.{quote}{loc}</p>")
    out.append(f"<h2 style='page-break-before: always'>{n + 2}. Sources annex</h2>")
    out.append("<p class='caption'>Each source once. Grades: reliability of the source A–F, credibility of the "
               "information 1–6 (Admiralty system).</p>")
    if d.sources:
        out.append(TABLE_OPEN + "<thead><tr><th width='6%'>No.</th><th width='58%'>Source</th>"
                   "<th width='20%'>Grade</th><th width='16%'>Cited in notes</th></tr></thead><tbody>")
        for s in d.sources:
            desc = ", ".join(x for x in (esc(s.publisher), f"“{esc(s.title)}”" if s.title else "",
                                         esc(s.published)) if x)
            extra = "".join(f"<br>{esc(x)}" for x in (s.url, s.reference, s.notes_text) if x)
            out.append(f"<tr><td bgcolor='#ffffff'>S{s.number}</td><td bgcolor='#ffffff'>{desc}{extra}<br>"
                       f"<i>id: {esc(s.id)}</i></td><td bgcolor='#ffffff'>{esc(s.grade)}<br>{esc(s.grade_meaning)}"
                       f"</td><td bgcolor='#ffffff'>{esc(', '.join(str(x) for x in s.cited_in))}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p class='note'>No sources.</p>")
    out.append("</body></html>")
    return "".join(out)


def cover_html(d: Dossier, *, author: str, caveat: str) -> str:
    prepared = esc(author) if author else "______________________________"
    facts = d.fact_count()
    cav = (f"<p align='center' style='font-size:13pt; font-weight:bold; color:#7a0000'>{esc(caveat)}</p>"
           if caveat else "")
    return ("<html><body>"
            f"{cav}<p>&nbsp;</p><p>&nbsp;</p>"
            f"<p style='font-size:12pt; color:#1d3557'>{esc(d.title).upper()}</p>"
            f"<h1 style='font-size:24pt'>{esc(d.subject)}</h1>"
            f"<p style='font-size:11pt'>{esc(d.subtitle)}</p><p>&nbsp;</p>"
            "<table width='100%' border='0' cellpadding='4' cellspacing='0'>"
            f"<tr><td width='32%'><b>Subject</b></td><td>{esc(d.subject)} <i>({esc(d.subject_id)})</i></td></tr>"
            f"<tr><td><b>Information as of</b></td><td>{esc(d.as_of)}</td></tr>"
            f"<tr><td><b>Prepared by</b></td><td>{prepared}</td></tr>"
            "<tr><td><b>Signature and date</b></td><td>______________________________</td></tr>"
            f"<tr><td><b>Contents</b></td><td>{len(d.sections)} sections, {facts} sourced entries, "
            f"{len(d.notes)} notes, {len(d.sources)} sources</td></tr>"
            f"<tr><td><b>Handling</b></td><td>{esc(caveat) if caveat else '(no handling caveat)'}</td></tr>"
            "</table><p>&nbsp;</p>"
            f"<p class='note'>{esc(d.as_of_text)}</p>"
            "<p class='note'>Every entry carries footnote numbers [n]; the notes give the publisher, title, date, "
            "grade and quoted sentence, and the sources annex lists each source once. Where sources disagree, "
            "all values are shown.</p>"
            "</body></html>")


def contents_html(entries: list[tuple[str, int]]) -> str:
    rows = "".join(f"<tr><td>{esc(t)}</td><td align='right'>{p}</td></tr>" for t, p in entries)
    return ("<html><body><h2>Contents</h2><table width='100%' border='0' cellpadding='3' cellspacing='0'>"
            f"{rows}</table></body></html>")
