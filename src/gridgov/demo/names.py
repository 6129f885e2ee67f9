"""Names for the demo district: fixed ones for the first towns and communities, generated
ones (deterministic) beyond them, and realistic zh_CN person names."""

from __future__ import annotations

import random

STREET_NAMES = ["凤鸣街道", "湖滨街道"]
TOWN_NAMES = ["金沙镇", "丰登镇"]

# Communities of the named towns, in the order the layout creates them.
COMMUNITY_NAMES: dict[str, list[str]] = {
    "凤鸣街道": ["凤鸣社区", "文昌社区", "丽景社区", "朝阳社区"],
    "湖滨街道": ["湖滨社区", "海宝社区", "宁安社区", "清河社区"],
    # The first community of a 镇 is its seat's residents' committee when it has one.
    "金沙镇": ["金沙社区", "金沙村", "红柳村", "沙泉村"],
    "丰登镇": ["丰登村", "稻香村", "沙湖村", "旺丰村"],
}

_FIRST = "东西南北新兴永宁和安富丰红金银玉春光明华文民胜利团康泰平吉瑞盛清"
_SECOND = "园苑湖河泉林桥源城溪川山塘庄湾岭田原景阳丰兴盛华苗柳沙湾星月花"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤海纳"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞云海燕晓东梅琴宁慧佳"


def place_name(index: int, suffix: str) -> str:
    """A deterministic two-character place name plus ``suffix`` (社区, 村, 街道, 镇, 乡)."""
    a = _FIRST[index % len(_FIRST)]
    b = _SECOND[(index // len(_FIRST) + index) % len(_SECOND)]
    return f"{a}{b}{suffix}"


def town_name(kind: str, index: int) -> str:
    """Name of the ``index``-th street / town / township of a county."""
    if kind == "street":
        return STREET_NAMES[index] if index < len(STREET_NAMES) else place_name(index, "街道")
    if kind == "town":
        return TOWN_NAMES[index] if index < len(TOWN_NAMES) else place_name(index + 97, "镇")
    return place_name(index + 211, "乡")


def community_name(town: str, index: int, *, village: bool, salt: int) -> str:
    fixed = COMMUNITY_NAMES.get(town, [])
    if index < len(fixed):
        return fixed[index]
    return place_name(salt * 31 + index, "村" if village else "社区")


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 for 1–99; Arabic digits from 100 on."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def grid_name(community: str, number: int) -> str:
    return f"{community}第{chinese_number(number)}网格"


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given
