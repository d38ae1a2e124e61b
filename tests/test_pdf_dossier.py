"""Dossier PDFs: text from the PDF (pypdf), fonts embedded, caveat and page numbers on every page,
hostile values printed literally, same bytes twice, safe writing, paper sizes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from dossier.cli.main import main as cli
from dossier.services import dossier_data as dd
from dossier.services.database import close_database, open_database
from dossier.services.importing import import_files

CAVEAT = "UNCLASSIFIED // FOR OFFICIAL USE ONLY"


def _pdf(path: Path) -> pypdf.PdfReader:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return pypdf.PdfReader(str(path))


def _texts(r: pypdf.PdfReader) -> list[str]:
    """Each page's text with runs of white space (pypdf puts tabs between words) made one space."""
    return [re.sub(r"\s+", " ", p.extract_text() or "") for p in r.pages]


def _flat(s: str) -> str:
    return re.sub(r"\s+", " ", s)


def _fonts(r: pypdf.PdfReader) -> dict[str, bool]:
    """BaseFont -> embedded (has a /FontFile, /FontFile2 or /FontFile3 stream)."""
    out = {}
    for page in r.pages:
        for f in page["/Resources"]["/Font"].values():
            f = f.get_object()
            desc = f["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in f \
                else f.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            out[str(f["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return out


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_person_dossier_of_ri_kil_song(qapp, sample_db_path, tmp_path):
    out = tmp_path / "ri.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--person", "Ri Kil-song", "-o", str(out)]) == 0
    r = _pdf(out)
    pages = _texts(r)
    assert 2 <= len(pages) <= 8
    text = _flat(" ".join(pages))
    for name in ("Ri Kil Song", "리길성", "Ri Kil-song", "Ri Gil Song", "Prak Sokhonn"):
        assert name in text, name
    # Khmer: Qt's PDF writer maps ligature glyphs to no character, so text extraction recovers only part
    # of ប្រាក់; the unligated part must be there, the Khmer font embedded, and the full name in metadata.
    assert "សុខុន" in text
    # the 2004-2008 posting as a career row, with its footnote
    assert re.search(r"Advisor\s*\[\d+\].*Embassy of the DPRK in Cambodia.*2004 2008 ended", text)
    # footnotes: publisher, title, date, grade and the quoted sentence
    assert "Grade B2" in text
    assert "who served as an advisor at the DPRK embassy in Cambodia from 2004 to 2008" in text
    assert "Sources annex" in text and "S1" in text
    for i, p in enumerate(pages, start=1):
        assert p.count(CAVEAT) >= 2, f"caveat missing on page {i}"
        assert f"Page {i} of {len(pages)}" in p
    fonts = _fonts(r)
    assert all(fonts.values()), fonts
    assert any("NotoSansKR" in f for f in fonts) and any("NotoSansKhmer" in f for f in fonts)


def test_pdf_title_metadata_keeps_every_script(qapp, sample_db_path, tmp_path):
    out = tmp_path / "ps.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--person", "ប្រាក់ សុខុន", "-o", str(out)]) == 0
    r = _pdf(out)
    assert r.metadata.title == "Person dossier: Prak Sokhonn  ប្រាក់ សុខុន"
    assert any("NotoSansKhmer" in f for f in _fonts(r))


def test_country_pair_dossier_has_contents_figures_and_sources(qapp, sample_db_path, tmp_path):
    out = tmp_path / "khm-kor.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--country", "KHM,KOR", "-o", str(out),
                "--paper", "letter"]) == 0
    r = _pdf(out)
    pages = _texts(r)
    assert 3 <= len(pages) <= 10
    assert "Contents" in pages[1]
    text = _flat(" ".join(pages))
    assert "Cambodia – Republic of Korea" in text
    assert "about US$756 million" in text and "USD 756,000,000" in text and "14.7 per cent" in text
    assert "Yoo Myung-hee" in text and "유명희" in text
    assert "Pan Sorasak" in text and "Cambodia-Korea FTA joint feasibility study agreement signed" in text
    assert "Trade as reported by each side" in text
    for p in pages:
        assert CAVEAT in p
    box = r.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_anniversary_of_dprk_cambodia_ties_is_computed(qapp, sample_db_path, tmp_path):
    out = tmp_path / "prk-khm.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--country", "PRK,KHM", "-o", str(out)]) == 0
    text = _flat(" ".join(_texts(_pdf(out))))
    assert "about the 55th anniversary, in 2020" in text
    assert "c. 1965" in text


def test_event_dossier(qapp, sample_db_path, tmp_path):
    out = tmp_path / "summit.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--event", "asean-rok-summit-2019", "-o", str(out)]) == 0
    r = _pdf(out)
    text = _flat(" ".join(_texts(r)))
    assert "ASEAN-Republic of Korea Commemorative Summit" in text
    assert "25 Nov 2019 – 26 Nov 2019" in text and "Busan" in text
    assert "Cambodia-Korea FTA joint feasibility study agreement signed" in text
    assert "Grade A1" in text  # the public record of the dates
    box = r.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_unknown_subjects_and_unwritable_targets_exit_1(qapp, sample_db_path, tmp_path, capsys):
    db = str(sample_db_path)
    out = str(tmp_path / "x.pdf")
    assert cli(["export", "pdf", "--db", db, "--person", "Nobody Atall", "-o", out]) == 1
    assert "no person with the id or name 'Nobody Atall'" in capsys.readouterr().err
    assert cli(["export", "pdf", "--db", db, "--country", "ZZZ", "-o", out]) == 1
    assert "not an ISO 3166-1" in capsys.readouterr().err
    assert cli(["export", "pdf", "--db", db, "--event", "no-such-event", "-o", out]) == 1
    assert "no event with the id 'no-such-event'" in capsys.readouterr().err
    missing = tmp_path / "no" / "such" / "folder" / "x.pdf"
    assert cli(["export", "pdf", "--db", db, "--person", "ri-kil-song", "-o", str(missing)]) == 1
    assert "does not exist" in capsys.readouterr().err
    afile = tmp_path / "plain.txt"
    afile.write_text("x")
    assert cli(["export", "pdf", "--db", db, "--person", "ri-kil-song", "-o", str(afile / "x.pdf")]) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert cli(["export", "pdf", "--db", db, "--person", "ri-kil-song", "-o", str(tmp_path)]) == 1
    assert "it is a folder" in capsys.readouterr().err
    assert not Path(out).exists() and not missing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "sample.db"] or \
        all(not p.name.endswith(".part") for p in tmp_path.iterdir())


def test_same_data_same_bytes_and_creation_date_is_as_of(qapp, sample_db_path, tmp_path):
    a, b, c = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    args = ["export", "pdf", "--db", str(sample_db_path), "--country", "KHM,KOR"]
    assert cli(args + ["-o", str(a)]) == 0
    assert cli(args + ["-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert cli(args + ["-o", str(c), "--caveat", "SECRET // REL TO KHM"]) == 0
    assert c.read_bytes() != a.read_bytes()
    assert b"/CreationDate (D:" in a.read_bytes()
    meta = _pdf(a).metadata
    d = dd.resolve_as_of(open_database(sample_db_path), None).day
    assert meta.creation_date.date() == d


def test_empty_caveat_is_allowed(qapp, sample_db_path, tmp_path):
    out = tmp_path / "nocaveat.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--event", "ri-sokhonn-meeting-2019", "-o", str(out),
                "--caveat", ""]) == 0
    pages = _texts(_pdf(out))
    assert all("OFFICIAL USE" not in p for p in pages)
    assert all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, start=1))


HOSTILE_IMG = "<img src='/etc/passwd'>"
BOMB = "<table><tr><td>" * 30 + "deep" + "</td></tr></table>" * 30


def test_hostile_values_print_literally(qapp, sample_db_path, tmp_path):
    people = _write(tmp_path, "people.csv",
                    "id,name,sort_name,native_name,aliases,nationality,gender,birth_date,summary,source,quote\n"
                    f"evil,\"{HOSTILE_IMG}\",,王毅,Wang Yi,CHN,,,\"{BOMB}\",seed-article,\"<b>not bold</b> & co\"\n")
    db = open_database(sample_db_path)
    try:
        rep = import_files(db, [people])
        assert rep.ok, [str(e) for e in rep.errors]
    finally:
        close_database(db)
    out = tmp_path / "evil.pdf"
    # no charts: any image in this PDF could only have come from the data
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--person", "evil", "-o", str(out), "--no-charts"]) == 0
    r = _pdf(out)
    text = _flat(" ".join(_texts(r)))
    assert HOSTILE_IMG in text
    assert "<table><tr><td><table>" in text and "deep" in text
    assert "<b>not bold</b> & co" in text
    assert "王毅" in text and "Wang Yi" in text
    for page in r.pages:  # nothing was embedded as an image: the data stayed text
        xo = page["/Resources"].get("/XObject")
        assert not xo or not any(v.get_object().get("/Subtype") == "/Image" for v in xo.get_object().values())


def test_bundled_fonts_print_every_script_on_a_machine_with_only_dejavu(sample_db_path, tmp_path):
    """A fresh machine has only DejaVu: with fontconfig limited to it, Hangul, Khmer and Chinese must
    still come from the bundled fonts (no system fallback such as Droid Sans), all embedded."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("DejaVu is not installed here")
    conf = _write(tmp_path, "fonts.conf", f"<?xml version='1.0'?><fontconfig><dir>{dejavu}</dir>"
                                          f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    people = _write(tmp_path, "people.csv",
                    "id,name,sort_name,native_name,aliases,nationality,gender,birth_date,summary,source,quote\n"
                    "wang-yi,Wang Yi,,王毅,,CHN,,,中华人民共和国外交部部长 签署 东盟,seed-article,\n")
    db = open_database(sample_db_path)
    try:
        assert import_files(db, [people]).ok
    finally:
        close_database(db)
    out = tmp_path / "wang.pdf"
    env = {"FONTCONFIG_FILE": str(conf), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "DOSSIER_CONFIG_DIR": str(tmp_path / "cfg")}
    res = subprocess.run([sys.executable, "-m", "dossier", "export", "pdf", "--db", str(sample_db_path),
                          "--person", "wang-yi", "-o", str(out)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    r = _pdf(out)
    fonts = _fonts(r)
    assert all(fonts.values()), fonts
    assert all(f.lstrip("/").startswith(("DejaVu", "NotoSans")) for f in fonts), fonts
    text = _flat(" ".join(_texts(r)))
    han = text.replace(" ", "")  # glyph runs from two fonts come out with spaces between them
    assert "王毅" in han and "共和国外交部" in han and "签署东盟" in han


def test_as_of_leaves_out_later_records_and_says_so(qapp, sample_db_path, tmp_path):
    db = open_database(sample_db_path)
    try:
        d = dd.person_dossier(db, "ri-kil-song", as_of="2000-01-01")
    finally:
        close_database(db)
    assert d.as_of == "2000-01-01"
    assert "left out" in d.as_of_text
    career = next(s for s in d.sections if s.title == "Career")
    assert career.blocks[0].rows == []
    out = tmp_path / "old.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--person", "ri-kil-song", "-o", str(out),
                "--as-of", "2000-01-01"]) == 0
    text = _flat(" ".join(_texts(_pdf(out))))
    assert "Information as of 2000-01-01" in text and "No postings recorded" in text
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--person", "ri-kil-song", "-o", str(out),
                "--as-of", "yesterday"]) == 1


def test_chart_adapters_embed_the_images_the_plotting_code_returns(qapp, sample_db_path, tmp_path, monkeypatch):
    """The integration point with issues 3 and 4: whatever `render_timeline_image` returns is printed as
    an image; when it fails, the dossier still prints with a note saying why."""
    import types

    from PySide6.QtGui import QColor, QImage

    from dossier.reports.charts import render_charts
    from dossier.reports.pdf import PdfOptions, write_pdf

    calls = []

    def fake_render(db, **kw):
        calls.append(kw)
        img = QImage(2000, 500, QImage.Format.Format_RGB32)
        img.fill(QColor("#3366aa"))
        return img

    mod = types.ModuleType("dossier.plotting.timeline_export")
    mod.render_timeline_image = fake_render
    monkeypatch.setitem(sys.modules, "dossier.plotting.timeline_export", mod)
    db = open_database(sample_db_path)
    try:
        d = dd.person_dossier(db, "ri-kil-song")
    finally:
        close_database(db)
    charts = render_charts(d, sample_db_path)
    assert calls and calls[0]["lanes"] == ["ri-kil-song"] and calls[0]["width"] == 2000
    assert calls[0]["start"] < calls[0]["end"]
    out = tmp_path / "chart.pdf"
    write_pdf(d, out, PdfOptions(), charts)
    r = _pdf(out)
    images = [v.get_object() for p in r.pages for v in (p["/Resources"].get("/XObject") or {}).values()
              if v.get_object().get("/Subtype") == "/Image"]
    assert images and int(images[0]["/Width"]) == 2000

    def broken(db, **kw):
        raise RuntimeError("no scene")

    mod.render_timeline_image = broken
    charts = render_charts(d, sample_db_path)
    write_pdf(d, out, PdfOptions(), charts)
    text = _flat(" ".join(_texts(_pdf(out))))
    assert "chart unavailable" in text and "RuntimeError: no scene" in text


def test_safe_file_names():
    from dossier.reports.safe_output import ReportWriteError, safe_filename, target_in_folder

    assert safe_filename("../../etc/passwd") == "etc-passwd.pdf"
    assert safe_filename("a\\b/c") == "a-b-c.pdf"
    assert safe_filename("CON") == "_CON.pdf" and safe_filename("nul.txt") == "_nul.txt.pdf"
    assert safe_filename("lpt1") == "_lpt1.pdf"
    assert safe_filename("report...  ") == "report.pdf"
    assert safe_filename("..") == "dossier.pdf" and safe_filename("") == "dossier.pdf"
    assert safe_filename("dossier-리길성") == "dossier-리길성.pdf"
    assert safe_filename("x\u202eevil") == "x-evil.pdf"
    long = safe_filename("리" * 200)
    assert len(long.encode()) <= 255 and long.endswith(".pdf")
    assert safe_filename("already.pdf") == "already.pdf"
    folder = Path("/tmp")
    assert target_in_folder(folder, "../../x").parent == folder.resolve()
    with pytest.raises(ReportWriteError):
        from dossier.reports.safe_output import write_atomically

        write_atomically(Path("/nonexistent-dir/x.pdf"), lambda p: None)


def test_anniversaries_keep_precision():
    import datetime as dt

    from dossier.domain.anniversaries import anniversaries, anniversary, ordinal_word
    from dossier.domain.dates import parse_date

    assert [ordinal_word(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 55, 101, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "55th", "101st", "111th"]
    ref = dt.date(2019, 11, 30)
    a = anniversary(parse_date("1965~"), 55, ref)
    assert a.text == "about the 55th anniversary, in 2020" and a.when == "upcoming"
    assert anniversary(parse_date("1965-12-24"), 55, ref).text == "the 55th anniversary, on 24 Dec 2020"
    assert anniversary(parse_date("1965-12"), 54, ref).when == "this year"
    dec = anniversary(parse_date("196X"), 55, ref)
    assert dec.text == "the 55th anniversary, some time between 2015 and 2024" and dec.when == "around now"
    nums = [x.number for x in anniversaries(parse_date("1965~"), ref)]
    assert nums == [45, 50, 54, 55, 60]  # round ones within ten years either side, and this year's


def test_trade_reporter_and_mirror_side_by_side_and_conflicts_show_both(qapp, sample_db_path, tmp_path):
    src = _write(tmp_path, "sources.csv",
                 "id,publisher,title,published,url,reference,reliability,credibility,language,notes\n"
                 "stat-khm,National Institute of Statistics (KHM),Trade 2018,2019-06,,,A,2,en,\n"
                 "stat-kor,Korea Customs Service,Trade 2018,2019-03,,,A,2,en,\n"
                 "rumour,Anonymous blog,Posting claim,2020,,,E,5,en,\n")
    trade = _write(tmp_path, "trade.csv",
                   "reporter,partner,year,flow,commodity,value,currency,basis,source,quote\n"
                   "KHM,KOR,2018,import,,560000000,USD,cif,stat-khm,Imports from Korea: 560 million\n"
                   "KOR,KHM,2018,export,,500000000,USD,fob,stat-kor,Exports to Cambodia: 500 million\n"
                   "KOR,KHM,2018,export,,510000000,USD,fob,rumour,Exports to Cambodia: 510 million\n"
                   "KHM,KOR,2018,export,,250000000,USD,fob,stat-khm,Exports to Korea: 250 million\n")
    posts = _write(tmp_path, "postings.csv",
                   "id,person,position,organization,country,place,start,end,source,note,quote\n"
                   "ri-advisor-alt,ri-kil-song,Advisor,prk-embassy-khm,KHM,Phnom Penh,2003,2008,rumour,,"
                   "Ri was at the embassy from 2003\n")
    db = open_database(sample_db_path)
    try:
        rep = import_files(db, [src, posts, trade])
        assert rep.ok, [str(e) for e in rep.errors]
        d = dd.country_dossier(db, "KHM,KOR")
        p = dd.person_dossier(db, "ri-kil-song")
    finally:
        close_database(db)
    trade_sec = next(s for s in d.sections if s.title == "Trade")
    table = trade_sec.blocks[1]
    rows = {(r[1].text, r[2].text): [c.text for c in r] for r in table.rows}
    kor_to_khm = rows[("Republic of Korea → Cambodia", "all goods")]
    assert "USD 500,000,000 (FOB)" in kor_to_khm[3] and "USD 510,000,000 (FOB)" in kor_to_khm[3]
    assert kor_to_khm[4] == "USD 560,000,000 (CIF)"
    khm_to_kor = rows[("Cambodia → Republic of Korea", "all goods")]
    assert khm_to_kor[3] == "USD 250,000,000 (FOB)" and khm_to_kor[4] == "not reported by Republic of Korea"
    from dossier.services.dossier_model import Conflict

    conf = [b for b in trade_sec.blocks if isinstance(b, Conflict)]
    assert conf and {a.text for a in conf[0].alternatives} == {"USD 500,000,000", "USD 510,000,000"}
    career = next(s for s in p.sections if s.title == "Career")
    pc = [b for b in career.blocks if isinstance(b, Conflict)]
    assert pc and {a.text for a in pc[0].alternatives} == {"2004 – 2008", "2003 – 2008"}
    assert all(a.notes for a in pc[0].alternatives)
    out = tmp_path / "trade.pdf"
    assert cli(["export", "pdf", "--db", str(sample_db_path), "--country", "KOR,KHM", "-o", str(out)]) == 0
    text = _flat(" ".join(_texts(_pdf(out))))
    assert "As reported by the exporter" in text and "not reported by Republic of Korea" in text
    assert "Sources disagree" in text and "Grade E5" in text and "Korea Customs Service" in text


def test_real_charts_are_embedded_in_the_sample_dossiers(qapp, sample_db_path, tmp_path):
    """With the timeline (issue 3) and trade chart (issue 4) merged, both dossiers carry ~2000 px images."""
    for args, name in ((["--person", "ri-kil-song"], "p.pdf"), (["--country", "KHM,KOR"], "c.pdf")):
        out = tmp_path / name
        assert cli(["export", "pdf", "--db", str(sample_db_path), *args, "-o", str(out)]) == 0
        r = _pdf(out)
        imgs = [v.get_object() for p in r.pages for v in (p["/Resources"].get("/XObject") or {}).values()
                if v.get_object().get("/Subtype") == "/Image"]
        assert imgs and int(imgs[0]["/Width"]) >= 1900, name
        assert "chart unavailable" not in _flat(" ".join(_texts(r)))


def test_same_bytes_across_processes(sample_db_path, tmp_path):
    """Two separate runs (each with its own random hash seeds) give the same bytes, charts included."""
    outs = []
    for name in ("one.pdf", "two.pdf"):
        out = tmp_path / name
        res = subprocess.run([sys.executable, "-m", "dossier", "export", "pdf", "--db", str(sample_db_path),
                              "--person", "ri-kil-song", "-o", str(out)], capture_output=True, text=True,
                             timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                               "HOME": str(tmp_path), "DOSSIER_CONFIG_DIR": str(tmp_path / "c")})
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
