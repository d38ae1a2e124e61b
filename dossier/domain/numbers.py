"""Numbers from files (RELIABILITY.md rule 10): ASCII digits and one declared decimal separator.

Python's float() accepts '1_000', 'nan', 'inf', '١٢٣' and '１２３'; none of those is a number in a
data file, and a regex \\d matches Arabic-Indic digits.  We accept exactly: optional sign (ASCII '-'
or U+2212 MINUS SIGN, which spreadsheets write), digits, optional decimal part.  Thousands
separators, currency symbols, percent signs and words are rejected with a reason.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_GROUPED_DOTS = re.compile(r"[-+]?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?\Z", re.ASCII)
_NUM = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?\Z", re.ASCII)


class NumberError(ValueError):
    pass


def parse_decimal(text: str, *, decimal_comma: bool = False) -> Decimal:
    s = text.strip().replace("\u2212", "-")
    if not s:
        raise NumberError("empty number")
    if decimal_comma:
        if _GROUPED_DOTS.match(s):  # 756.000.000,00: '.' groups thousands in decimal-comma locales
            s = s.replace(".", "")
        if "." in s:
            raise NumberError(f"{text!r}: '.' is not allowed when the decimal separator is ','")
        s = s.replace(",", ".")
    if _NUM.match(s):
        try:
            return Decimal(s)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
            raise NumberError(f"{text!r} is not a number") from None
    raise NumberError(_why(text, s))


def _why(text: str, s: str) -> str:
    if any(not c.isascii() for c in s if c.isdigit()) or any(ord(c) > 127 and c.isnumeric() for c in s):
        return f"{text!r} uses non-ASCII digits; write 0-9"
    if s.endswith("%"):
        return f"{text!r} is a percentage; put percentages in a percent column"
    if s.startswith("(") and s.endswith(")"):
        return f"{text!r} uses accounting parentheses; write a minus sign"
    if re.search(r"[A-Za-z$€£¥₩]", s):
        if s.lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            return f"{text!r} is not a number"
        return f"{text!r} mixes a number with words or a currency; put the currency and unit in their own columns"
    if "_" in s or "," in s or " " in s:
        return f"{text!r} has separators; write digits only with '.' as the decimal point"
    return f"{text!r} is not a number"


def format_decimal(d: Decimal) -> str:
    """Canonical text: no exponent, no trailing zeros after the point."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
