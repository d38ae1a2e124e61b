from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.domain import numbers, text


@pytest.mark.parametrize("s", ["1_000", "nan", "inf", "١٢٣", "１２３", "1e3", "14.7%", "(1234)", "US$756 million",
                               "1,000", ""])
def test_numbers_reject_python_float_traps(s):
    with pytest.raises(numbers.NumberError):
        numbers.parse_decimal(s)


def test_numbers_accept_plain_and_unicode_minus():
    assert numbers.parse_decimal("\u22125") == Decimal(-5)
    assert numbers.parse_decimal("756000000.00") == Decimal("756000000.00")
    assert numbers.parse_decimal("756000000,00", decimal_comma=True) == Decimal("756000000.00")


@given(st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()))
def test_no_non_ascii_digit_is_a_number(c):
    with pytest.raises(numbers.NumberError):
        numbers.parse_decimal(c * 3)


def test_text_rules():
    assert text.clean("\u1112\u1161\u11ab")[0] == "\ud55c"  # NFD Hangul -> NFC
    with pytest.raises(text.TextError, match="U\\+202E"):
        text.clean("Ri \u202eKil")
    v, w = text.clean("\u200fRi Kil Song\u200e")
    assert v == "Ri Kil Song" and w
    v, w = text.clean("Ri\u200b Kil Song")
    assert v == "Ri\u200b Kil Song" and any("U+200B" in m for m in w)  # kept, warned
    v, w = text.clean("ប្រាក់\u200bសុខុន")
    assert "\u200b" in v and not w  # Khmer word separator is legitimate
    assert text.match_key("Ri\u00a0Kil\u3000Song") == text.match_key("ri kil-song") == "ri kil song"
