"""Harmonized System (HS) chapters: two-digit codes kept as text ('01' ... '97'), with short names.

Comtrade commodity codes are text: '0101' is not 101, and chapter '01' is not 1.  `chapter_of` rolls
a heading ('0101') or subheading ('010121') up to its chapter by its first two characters."""

from __future__ import annotations

import re

CHAPTERS: dict[str, str] = {
    "01": "Live animals", "02": "Meat", "03": "Fish and crustaceans", "04": "Dairy, eggs, honey",
    "05": "Other animal products", "06": "Live trees, plants, flowers", "07": "Vegetables", "08": "Fruit and nuts",
    "09": "Coffee, tea, spices", "10": "Cereals", "11": "Milling products", "12": "Oil seeds",
    "13": "Lacs, gums, resins", "14": "Vegetable plaiting materials", "15": "Fats and oils",
    "16": "Meat and fish preparations", "17": "Sugars", "18": "Cocoa", "19": "Cereal preparations",
    "20": "Vegetable and fruit preparations", "21": "Miscellaneous edible preparations",
    "22": "Beverages", "23": "Food residues, animal fodder", "24": "Tobacco", "25": "Salt, stone, cement",
    "26": "Ores, slag, ash", "27": "Mineral fuels and oils", "28": "Inorganic chemicals",
    "29": "Organic chemicals", "30": "Pharmaceutical products", "31": "Fertilisers", "32": "Dyes, paints, inks",
    "33": "Essential oils, cosmetics", "34": "Soaps, waxes", "35": "Albuminoids, glues, enzymes",
    "36": "Explosives, matches", "37": "Photographic goods", "38": "Miscellaneous chemical products",
    "39": "Plastics", "40": "Rubber", "41": "Raw hides and leather", "42": "Leather articles, handbags",
    "43": "Furskins", "44": "Wood", "45": "Cork", "46": "Basketwork", "47": "Wood pulp", "48": "Paper",
    "49": "Printed matter", "50": "Silk", "51": "Wool", "52": "Cotton", "53": "Other vegetable fibres",
    "54": "Man-made filaments", "55": "Man-made staple fibres", "56": "Wadding, felt, cordage",
    "57": "Carpets", "58": "Special woven fabrics", "59": "Coated textile fabrics", "60": "Knitted fabrics",
    "61": "Knitted apparel", "62": "Woven apparel", "63": "Other made-up textiles", "64": "Footwear",
    "65": "Headgear", "66": "Umbrellas", "67": "Feathers, artificial flowers", "68": "Stone and plaster articles",
    "69": "Ceramics", "70": "Glass", "71": "Precious stones and metals", "72": "Iron and steel",
    "73": "Iron and steel articles", "74": "Copper", "75": "Nickel", "76": "Aluminium", "78": "Lead",
    "79": "Zinc", "80": "Tin", "81": "Other base metals", "82": "Tools, cutlery", "83": "Miscellaneous base metal articles",
    "84": "Machinery, boilers", "85": "Electrical machinery", "86": "Railway equipment", "87": "Vehicles",
    "88": "Aircraft", "89": "Ships and boats", "90": "Optical, medical instruments", "91": "Clocks and watches",
    "92": "Musical instruments", "93": "Arms and ammunition", "94": "Furniture, bedding, lighting",
    "95": "Toys, games, sports goods", "96": "Miscellaneous manufactured articles", "97": "Works of art, antiques",
    "99": "Commodities not specified",
}
CODE_PATTERN = r"[0-9]{2}(?:[0-9]{2}){0,2}"  # 2, 4 or 6 ASCII digits (also used vectorised by pandas)
_CODE = re.compile(CODE_PATTERN + r"\Z", re.ASCII)


def is_hs_code(code: str) -> bool:
    """'01', '0101', '010121' (2, 4 or 6 ASCII digits, as text)."""
    return bool(_CODE.match(code))


def chapter_of(code: str) -> str | None:
    return code[:2] if is_hs_code(code) else None


def label(code: str) -> str:
    """'HS 03 Fish and crustaceans'; a named good without a code is returned as it is."""
    ch = chapter_of(code)
    if ch is None:
        return code
    name = CHAPTERS.get(ch, "")
    return f"HS {code} {name}".rstrip() if len(code) == 2 else f"HS {code} (chapter {ch} {name})".rstrip()
