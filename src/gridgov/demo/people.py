"""Realistic, deterministic people for the demo and the benchmarks (no database).

* Family names drawn by frequency (the common Chinese surnames, with 马 and the Hui surnames
  weighted up as in 宁夏), given names by generation and gender (建国 and 秀兰 for the old,
  伟 and 丽 for the middle-aged, 子轩 and 欣怡 for children).
* Valid resident ID numbers (GB 11643): a county code that existed in the year of birth
  (python-stdnum's ``cn/loc`` table: mostly 银川 — 兴庆区, 金凤区, 西夏区, 永宁县, 贺兰县 —
  then the rest of 宁夏, and for floating residents the neighbouring provinces), the birth date,
  a sequence number whose parity is the gender, and the check digit from
  ``stdnum.cn.ric.calc_check_digit``. Each number is given out once per generator.
* Mobile numbers with real operator prefixes.

Everything is drawn from ``random.Random(seed)``: the same seed gives the same people.
"""

from __future__ import annotations

import random
from bisect import bisect
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from stdnum import numdb
from stdnum.cn import ric

# (surname, weight in ‰ of the population; 宁夏 shifts: 马 and the Hui surnames up)
SURNAMES: list[tuple[str, float]] = [
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("马", 45), ("陈", 40), ("杨", 38),
    ("赵", 21), ("黄", 15), ("周", 17), ("吴", 16), ("徐", 15), ("孙", 15), ("朱", 12),
    ("胡", 12), ("郭", 13), ("何", 10), ("高", 12), ("林", 7), ("罗", 8), ("郑", 8),
    ("梁", 8), ("谢", 6), ("宋", 7), ("唐", 6), ("许", 6), ("韩", 7), ("冯", 7), ("邓", 5),
    ("曹", 6), ("彭", 5), ("曾", 4), ("肖", 5), ("田", 8), ("董", 6), ("袁", 5), ("潘", 4),
    ("于", 5), ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 5), ("叶", 3), ("程", 4), ("苏", 5),
    ("魏", 5), ("吕", 4), ("丁", 6), ("任", 4), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 2), ("谭", 2), ("陆", 2), ("汪", 2), ("范", 3), ("金", 4), ("石", 3),
    ("廖", 2), ("贾", 3), ("夏", 2), ("韦", 2), ("付", 3), ("方", 2), ("白", 5), ("邹", 2),
    ("孟", 3), ("熊", 2), ("秦", 3), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 3), ("闫", 3),
    ("段", 2), ("雷", 3), ("侯", 2), ("龙", 1), ("史", 2), ("陶", 1), ("黎", 1), ("贺", 2),
    ("顾", 1), ("毛", 2), ("郝", 3), ("龚", 1), ("邵", 1), ("万", 1), ("钱", 1), ("严", 1),
    ("武", 3), ("戴", 1), ("孔", 1), ("常", 2), ("乔", 2), ("海", 3), ("纳", 2), ("沙", 1),
    ("虎", 1), ("穆", 1), ("拓", 1),
]  # fmt: skip
HUI_SURNAMES: list[tuple[str, float]] = [
    ("马", 40), ("杨", 8), ("李", 6), ("丁", 5), ("海", 4), ("纳", 4), ("白", 4), ("金", 3),
    ("冯", 2), ("田", 2), ("沙", 2), ("虎", 2), ("穆", 2), ("锁", 1), ("哈", 1), ("撒", 1),
    ("王", 5), ("张", 3), ("苏", 2), ("何", 1),
]  # fmt: skip

# Given names by generation (born before 1960, 1960–1989, 1990 on) and gender: whole
# two-character names as parents chose them, and single characters.
GIVEN2: dict[tuple[int, str], list[str]] = {
    (0, "M"): "建国 建华 国庆 福生 德明 忠厚 志刚 永福 有才 永顺 宝山 树林 长庆 新民 振华 "
    "文华 玉林 凤山 成林 天福 占山 富贵 学文 家兴".split(),
    (0, "F"): "秀兰 桂英 玉珍 淑芬 凤琴 翠花 兰芳 素梅 秀英 桂芝 玉兰 春香 秀珍 桂兰 玉梅 "
    "凤英 秀芳 淑珍 玉芬 桂珍 金花 月娥".split(),
    (1, "M"): "志强 建军 海涛 晓东 文斌 国强 永刚 建伟 晓明 立新 宏伟 俊峰 海军 卫东 小龙 "
    "振宇 东升 学军 红军 春雷 云飞 建平".split(),
    (1, "F"): "丽娟 晓燕 艳红 海燕 春梅 秀丽 晓丽 红霞 丽华 雪梅 玉洁 小红 晓红 丽萍 彩霞 "
    "美玲 慧敏 亚楠 文静 婷婷 倩倩 丹丹".split(),
    (2, "M"): "浩然 子轩 宇轩 梓豪 俊杰 博文 浩宇 宇航 睿泽 一鸣 子墨 皓轩 泽宇 思远 明轩 "
    "嘉豪 天佑 奕辰 文博 铭泽 晨阳 一诺".split(),
    (2, "F"): "欣怡 梓涵 诗涵 雨桐 子涵 可馨 思妍 佳怡 语嫣 梦琪 一诺 雨欣 若汐 梓萱 欣妍 "
    "紫涵 佳琪 思雨 雅静 嘉怡 芷若 书瑶".split(),
}
GIVEN1: dict[tuple[int, str], str] = {
    (0, "M"): "福德明忠贵才顺山林庆华文",
    (0, "F"): "兰英珍芬琴花芳梅香凤",
    (1, "M"): "伟强磊军勇杰涛明超刚平辉鹏斌波峰亮健宁东龙",
    (1, "F"): "丽娟艳静敏霞燕芳红娜慧莉丹萍华玲琳颖婷倩雪晶蓉",
    (2, "M"): "浩宇轩博俊鑫晨阳睿泽然航杰瑞辰皓彬",
    (2, "F"): "欣怡萱悦琳桐瑶馨妍雯琪汐钰涵",
}
# Share of two-character given names by generation.
TWO_CHAR = (0.85, 0.5, 0.85)

# Real operator prefixes (中国移动 / 联通 / 电信 / 广电).
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 195 198 199"
).split()

# County codes by origin, with weights. Locals are mostly 银川 (兴庆区, 金凤区, 西夏区, 永宁县,
# 贺兰县, 灵武市, and the pre-2002 城区 / 新城区 / 郊区 for people born before).
LOCAL_COUNTIES: list[tuple[str, float]] = [
    ("640104", 24), ("640106", 18), ("640105", 14), ("640121", 9), ("640122", 9),
    ("640181", 5), ("640102", 8), ("640103", 5), ("640111", 5), ("640120", 3),
]  # fmt: skip
NINGXIA_COUNTIES: list[tuple[str, float]] = [
    ("640202", 4), ("640205", 2), ("640221", 3), ("640302", 5), ("640323", 2), ("640324", 3),
    ("640381", 3), ("640402", 4), ("640422", 3), ("640423", 2), ("640502", 3), ("640521", 3),
    ("640522", 3),
]  # fmt: skip
# Floating residents: neighbouring provinces (甘肃, 陕西, 内蒙古, 河南, 山西, 四川).
OTHER_COUNTIES: list[tuple[str, float]] = [
    ("620102", 3), ("620402", 2), ("621102", 3), ("622921", 3), ("620502", 2), ("610102", 2),
    ("610602", 3), ("610802", 3), ("150102", 2), ("150602", 2), ("152921", 2), ("410102", 2),
    ("411302", 2), ("140105", 1), ("510107", 1),
]  # fmt: skip


class Weighted:
    """Fast weighted choice over a fixed list."""

    def __init__(self, items: list[tuple[str, float]]) -> None:
        self.values = [v for v, _w in items]
        self.cum = list(accumulate(w for _v, w in items))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect(self.cum, rng.random() * self.total)]


_SURNAMES = Weighted(SURNAMES)
_HUI_SURNAMES = Weighted(HUI_SURNAMES)


@lru_cache(maxsize=512)
def county_valid_in(code: str, year: int) -> bool:
    """Whether county ``code`` existed (per python-stdnum's ``cn/loc``) in ``year``."""
    probe = f"{code}{year}0101000"
    try:
        ric.get_birth_place(probe + ric.calc_check_digit(probe + "0"))
    except Exception:
        return False
    return True


@lru_cache(maxsize=1024)
def _counties_for(origin: str, year: int) -> Weighted:
    table = {"local": LOCAL_COUNTIES, "ningxia": NINGXIA_COUNTIES, "other": OTHER_COUNTIES}[origin]
    valid = [(c, w) for c, w in table if county_valid_in(c, year)]
    if not valid:  # born before every code of the table: fall back to any code still valid
        valid = [(c, w) for c, w in LOCAL_COUNTIES + NINGXIA_COUNTIES if county_valid_in(c, year)]
    return Weighted(valid or [("640121", 1)])


def county_name(code: str) -> str:
    info = {k: v for _p, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return info.get("county", "").rsplit("]", 1)[-1]


def generation(birth_year: int) -> int:
    return 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2


class People:
    """A deterministic source of people: names, birth dates, ID numbers and mobiles."""

    def __init__(self, seed: int, *, today: date | None = None) -> None:
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()

    # --- names -----------------------------------------------------------------------------

    def surname(self, *, hui: bool = False) -> str:
        return (_HUI_SURNAMES if hui else _SURNAMES).pick(self.rng)

    def given_name(self, gender: str, birth_year: int) -> str:
        gen = generation(birth_year)
        rng = self.rng
        if rng.random() < TWO_CHAR[gen]:
            names = GIVEN2[(gen, gender)]
            return names[rng.randrange(len(names))]
        chars = GIVEN1[(gen, gender)]
        return chars[rng.randrange(len(chars))]

    def name(self, gender: str, birth_year: int, *, surname: str = "", hui: bool = False) -> str:
        return (surname or self.surname(hui=hui)) + self.given_name(gender, birth_year)

    # --- dates, numbers --------------------------------------------------------------------

    def birth_date(self, age: int) -> date:
        """A birth date of someone ``age`` years old today."""
        day = self.today
        latest = date(day.year - age, day.month, 28 if _feb29(day) else day.day)
        return latest - timedelta(days=self.rng.randrange(365))

    def id_number(self, birth: date, gender: str, *, origin: str = "local") -> str:
        """A valid, unused ID number: a county valid in the birth year, the birth date, a
        sequence whose parity is the gender (odd = male), the check digit."""
        counties = _counties_for(origin, birth.year)
        rng = self.rng
        stem = birth.strftime("%Y%m%d")
        odd = gender == "M"
        while True:
            seq = rng.randrange(500) * 2 + (1 if odd else 0)
            body = f"{counties.pick(rng)}{stem}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self._ids:
                self._ids.add(number)
                return number

    def mobile(self) -> str:
        rng = self.rng
        while True:
            number = MOBILE_PREFIXES[rng.randrange(len(MOBILE_PREFIXES))] + (
                f"{rng.randrange(100_000_000):08d}"
            )
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number


def _feb29(day: date) -> bool:
    return day.month == 2 and day.day == 29
