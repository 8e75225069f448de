"""What the demo city takes from the real 汕尾: districts, grid counts, seats and town names."""

from __future__ import annotations

from typing import Final

CITY_ADCODE: Final = "441500"
"""The administrative code of 汕尾市."""

DISTRICT_ADCODES: Final[tuple[str, ...]] = ("441502", "441521", "441523", "441581")
"""The four county-level districts, in the order used for codes and overlap resolution."""

DISTRICT_NAMES: Final[dict[str, str]] = {
    "441502": "城区",
    "441521": "海丰县",
    "441523": "陆河县",
    "441581": "陆丰市",
}
"""District adcode to name."""

LARGE_COUNT: Final = 56
"""Published number of 汕尾 large grids (大网格)."""
MEDIUM_COUNT: Final = 868
"""Published number of 汕尾 medium grids (中网格)."""
SMALL_COUNT: Final = 4555
"""Published number of 汕尾 small grids (小网格)."""

ISLET_MIN_AREA_KM2: Final = 5.0
"""Polygon parts smaller than this (km²) are islets and are dropped."""
MAINLAND_MIN_LAT: Final = 22.5
"""Polygon parts whose centroid lies south of this latitude are offshore banks and dropped."""

COUNTY_SEATS: Final[dict[str, tuple[float, float]]] = {
    "441502": (115.375, 22.787),
    "441521": (115.323, 22.967),
    "441523": (115.657, 23.302),
    "441581": (115.645, 22.945),
}
"""Approximate WGS84 position of each district's seat (城区 香洲, 海丰 海城, 陆河 河田,
陆丰 东海); the densest urban core of each district is put there."""

DISTRICT_DENSITY: Final[dict[str, float]] = {
    "441502": 1.2,
    "441521": 1.0,
    "441523": 0.5,
    "441581": 1.25,
}
"""Relative population density of each district (陆河 is mountainous and thinly settled)."""

REAL_TOWNS: Final[dict[str, tuple[str, ...]]] = {
    "441502": ("香洲街道", "凤山街道", "新港街道", "马宫街道", "东涌镇", "红草镇", "捷胜镇"),
    "441521": (
        "海城镇", "附城镇", "城东镇", "梅陇镇", "可塘镇", "公平镇", "赤坑镇", "大湖镇",
        "联安镇", "陶河镇", "赤石镇", "鹅埠镇", "小漠镇", "鲘门镇", "黄羌镇", "平东镇",
    ),
    "441523": ("河田镇", "水唇镇", "螺溪镇", "东坑镇", "新田镇", "上护镇", "南万镇", "河口镇"),
    "441581": (
        "东海街道", "城东街道", "河西街道", "碣石镇", "甲子镇", "南塘镇", "博美镇", "潭西镇",
        "桥冲镇", "大安镇", "八万镇", "陂洋镇", "西南镇", "河东镇", "上英镇", "金厢镇",
        "湖东镇", "甲东镇", "甲西镇", "内湖镇",
    ),
}  # fmt: skip
"""Real town and street names per district, in the order they are handed out (nearest to
the county seat first). Extra large grids get invented names."""
