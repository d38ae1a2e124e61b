"""Countries by ISO 3166-1 (alpha-2 / alpha-3) with their UN M49 codes, from pycountry.

Canonical code in the database: alpha-3 ('KHM', 'KOR', 'PRK').  For countries the ISO 3166-1
numeric code is the UN M49 code (Cambodia 116, Republic of Korea 410, DPRK 408); M49 0 is "World",
which is not a country.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pycountry

# Common short names where ISO's official one reads badly in a dossier.
_SHORT = {
    "KOR": "Republic of Korea",
    "PRK": "DPRK",
    "RUS": "Russia",
    "IRN": "Iran",
    "SYR": "Syria",
    "VNM": "Viet Nam",
    "LAO": "Lao PDR",
    "TWN": "Taiwan",
    "BOL": "Bolivia",
    "VEN": "Venezuela",
    "TZA": "Tanzania",
    "MDA": "Moldova",
}


@dataclass(frozen=True, slots=True)
class Country:
    alpha3: str
    alpha2: str
    m49: int
    name: str
    official_name: str


class CountryError(ValueError):
    pass


@lru_cache(maxsize=1)
def all_countries() -> tuple[Country, ...]:
    out = []
    for c in pycountry.countries:
        name = _SHORT.get(c.alpha_3, getattr(c, "common_name", None) or c.name)
        out.append(Country(c.alpha_3, c.alpha_2, int(c.numeric), name, getattr(c, "official_name", c.name)))
    return tuple(out)


@lru_cache(maxsize=1)
def _index() -> dict[str, Country]:
    idx: dict[str, Country] = {}
    for c in all_countries():
        idx[c.alpha3] = c
        idx[c.alpha2] = c
    return idx


def country(code: str) -> Country:
    """Look up an ISO alpha-2 or alpha-3 code (case-insensitive).  Raises CountryError."""
    c = _index().get(code.strip().upper())
    if c is None:
        raise CountryError(f"{code!r} is not an ISO 3166-1 alpha-2 or alpha-3 country code")
    return c


def by_m49(m49: int) -> Country:
    for c in all_countries():
        if c.m49 == m49:
            return c
    raise CountryError(f"{m49} is not the UN M49 code of a country")


def normalise(code: str) -> str:
    return country(code).alpha3
