"""Plausible Chinese names for the demo city: people, towns, communities and villages."""

from __future__ import annotations

from typing import Final

import numpy as np

TOWN_SYLLABLES: Final = (
    "东西南北新上下大小石龙凤金银安和兴平丰福永长清白青云华明",
    "溪田湖塘岭山坑洋埔港坪园林桥沙头浦江阳寮湾岗",
)
"""First and second syllables of invented town names (suffix 镇)."""
COMMUNITY_SYLLABLES: Final = (
    "香凤翠金银华新康泰福安宁和兴盛荣锦碧明文德育丽春桂海滨通城",
    "城园苑湖港华兴安平山江河岭坡洲湾阳南北东西门桥街",
)
"""First and second syllables of urban community names (suffix 社区)."""
VILLAGE_SYLLABLES: Final = (
    "新东西南北上下大小前后中高石田溪坑林陈黄吴彭叶罗赤白青龙凤鹤马牛竹松桂梅莲蔡郑庄",
    "寮埔围厝塘湖坑田洋岭山溪墩尾头港沟墘美安和兴丰光联河坪径圩寨",
)
"""First and second syllables of village names (suffix 村)."""

_SURNAMES: Final = "陈林黄李张吴刘郑蔡彭庄叶余罗卓王杨许钟赖曾何周徐朱邱温洪马苏颜谢魏詹卢黎杜戴"
# Rough frequencies for the surnames above: 陈 and 林 dominate in 海陆丰.
_SURNAME_WEIGHTS: Final = (
    [18.0, 9.0, 7.0, 6.0, 6.0, 5.0, 5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 2.0, 3.0]
    + [2.0] * 10
    + [1.0] * (len(_SURNAMES) - 26)
)
_GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华辉建国志海丹玲燕鹏锋俊斌"
    "婷雪琳晓嘉宇浩思佳永少振东学耀泽荣坤銮钦英秀桂红梅兰春淑惠德汉忠"
)


class NameDrawer:
    """Draws Chinese person and place names from syllable lists."""

    _BATCH = 4096

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        w = np.asarray(_SURNAME_WEIGHTS)
        self._surname_p = w / w.sum()
        self._people: list[str] = []

    def person(self) -> str:
        """A plausible person name: a surname and one or two given-name characters."""
        if not self._people:
            # Drawn in batches: scalar draws from a numpy generator are slow.
            rng = self._rng
            n = self._BATCH
            surnames = rng.choice(len(_SURNAMES), size=n, p=self._surname_p)
            given = rng.integers(len(_GIVEN), size=(n, 2))
            single = rng.random(n) < 0.3
            self._people = [
                _SURNAMES[s] + _GIVEN[g[0]] + ("" if one else _GIVEN[g[1]])
                for s, g, one in zip(
                    surnames.tolist(), given.tolist(), single.tolist(), strict=True
                )
            ]
            self._people.reverse()
        return self._people.pop()

    def people(self, n: int) -> list[str]:
        """``n`` person names."""
        return [self.person() for _ in range(n)]

    def place(self, syllables: tuple[str, str], suffix: str, taken: set[str]) -> str:
        """A name ``first syllable + second syllable + suffix`` not in ``taken`` (then taken)."""
        first, second = syllables
        rng = self._rng
        for attempt in range(1000):
            a = first[int(rng.integers(len(first)))]
            b = second[int(rng.integers(len(second)))]
            if a == b:
                continue
            stem = a + b
            if attempt > 200:  # crowded: add a third syllable
                stem += second[int(rng.integers(len(second)))]
            if stem + suffix not in taken:
                taken.add(stem + suffix)
                return stem + suffix
        raise RuntimeError("ran out of place names")  # pragma: no cover
