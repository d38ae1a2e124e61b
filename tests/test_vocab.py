import re

from conftest import REALDATA

from dossier.domain import vocab


def test_event_kinds_agree_with_the_cameo_plover_table():
    """Our CAMEO codes and PLOVER categories are the ones in openeventdata/PLOVER's conversion table."""
    table = {}
    for line in (REALDATA / "events" / "CAMEO2PLOVER-2021.txt").read_text("utf-8").splitlines():
        m = re.match(r"(\d{3}):\s*([A-Z_]*)\s*,\s*([^,]*),", line)
        if m:
            table.setdefault(m[1], (m[2], m[3].strip()))
    checked = 0
    for k in vocab.EVENT_KINDS.values():
        if k.cameo and k.cameo in table:
            assert table[k.cameo][0] == k.plover, (k.key, table[k.cameo])
            if k.plover_mode:
                assert table[k.cameo][1] == k.plover_mode, (k.key, table[k.cameo])
            checked += 1
    assert checked >= 5


def test_grades():
    assert vocab.grade_text("B", 2) == "B2"
    assert vocab.grade_text(None, None) == "ungraded"
