"""Code lists of the rosters, after the national standards offices already use in their sheets.

* ethnicity: GB/T 3304 民族 (two-digit codes, 01 汉族 … 56 基诺族, plus 97 其他 and 98 外国血统);
* political status: GB/T 4762 政治面貌 (01 中共党员 … 13 群众);
* relationship to the head of household: GB/T 4761 家庭关系 (major groups);
* household and residence types, resident status and grid-staff posts: our own lists.

The values stored are the codes; the Chinese names are what sheets and pages show. Excel
imports accept either the code or the name (see :func:`lookup`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ETHNICITIES: list[tuple[str, str]] = [
    (f"{i:02d}", name)
    for i, name in enumerate(
        [
            "汉族",
            "蒙古族",
            "回族",
            "藏族",
            "维吾尔族",
            "苗族",
            "彝族",
            "壮族",
            "布依族",
            "朝鲜族",
            "满族",
            "侗族",
            "瑶族",
            "白族",
            "土家族",
            "哈尼族",
            "哈萨克族",
            "傣族",
            "黎族",
            "傈僳族",
            "佤族",
            "畲族",
            "高山族",
            "拉祜族",
            "水族",
            "东乡族",
            "纳西族",
            "景颇族",
            "柯尔克孜族",
            "土族",
            "达斡尔族",
            "仫佬族",
            "羌族",
            "布朗族",
            "撒拉族",
            "毛南族",
            "仡佬族",
            "锡伯族",
            "阿昌族",
            "普米族",
            "塔吉克族",
            "怒族",
            "乌孜别克族",
            "俄罗斯族",
            "鄂温克族",
            "德昂族",
            "保安族",
            "裕固族",
            "京族",
            "塔塔尔族",
            "独龙族",
            "鄂伦春族",
            "赫哲族",
            "门巴族",
            "珞巴族",
            "基诺族",
        ],
        start=1,
    )
] + [("97", "其他"), ("98", "外国血统中国籍人士")]


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "01", _("CPC member")
    CPC_PROBATIONARY = "02", _("CPC probationary member")
    CYL_MEMBER = "03", _("Communist Youth League member")
    RCCK = "04", _("Member of the Revolutionary Committee of the Kuomintang")
    CDL = "05", _("Member of the China Democratic League")
    CDNCA = "06", _("Member of the China National Democratic Construction Association")
    CAPD = "07", _("Member of the China Association for Promoting Democracy")
    CPWDP = "08", _("Member of the Chinese Peasants' and Workers' Democratic Party")
    ZGD = "09", _("Member of the China Zhi Gong Party")
    JIUSAN = "10", _("Member of the Jiusan Society")
    TDSGL = "11", _("Member of the Taiwan Democratic Self-Government League")
    NON_PARTY = "12", _("Non-party personage")
    MASSES = "13", _("Ordinary citizen")


# Chinese names for sheets (the choices above are translated for pages).
POLITICAL_STATUS_ZH: dict[str, str] = {
    "01": "中共党员",
    "02": "中共预备党员",
    "03": "共青团员",
    "04": "民革党员",
    "05": "民盟盟员",
    "06": "民建会员",
    "07": "民进会员",
    "08": "农工党党员",
    "09": "致公党党员",
    "10": "九三学社社员",
    "11": "台盟盟员",
    "12": "无党派人士",
    "13": "群众",
}


class Relation(models.TextChoices):
    """Relationship to the head of household (GB/T 4761 major groups)."""

    HEAD = "02", _("Head of household")
    SPOUSE = "10", _("Spouse")
    SON = "20", _("Son")
    DAUGHTER = "30", _("Daughter")
    GRANDCHILD = "40", _("Grandchild")
    PARENT = "50", _("Parent")
    GRANDPARENT = "60", _("Grandparent")
    SIBLING = "70", _("Brother or sister")
    OTHER = "99", _("Other")


RELATION_ZH: dict[str, str] = {
    "02": "户主",
    "10": "配偶",
    "20": "子",
    "30": "女",
    "40": "孙子女",
    "50": "父母",
    "60": "祖父母",
    "70": "兄弟姐妹",
    "99": "其他",
}


class HouseholdType(models.TextChoices):
    REGISTERED = "registered", _("Registered household (户籍)")
    RESIDENT = "resident", _("Resident household (常住)")
    FLOATING = "floating", _("Floating household (流动)")
    NOMINAL = "nominal", _("Registered but absent (空挂)")


HOUSEHOLD_TYPE_ZH: dict[str, str] = {
    "registered": "户籍",
    "resident": "常住",
    "floating": "流动",
    "nominal": "空挂",
}


class ResidenceType(models.TextChoices):
    """How a person lives here (人口类型)."""

    REGISTERED = "registered", _("Registered resident (户籍人口)")
    RESIDENT = "resident", _("Permanent non-registered (常住人口)")
    FLOATING = "floating", _("Floating population (流动人口)")
    ABSENT = "absent", _("Registered, living elsewhere (人户分离)")


RESIDENCE_TYPE_ZH: dict[str, str] = {
    "registered": "户籍人口",
    "resident": "常住人口",
    "floating": "流动人口",
    "absent": "人户分离",
}


class ResidentStatus(models.TextChoices):
    LIVING = "living", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class StaffPost(models.TextChoices):
    """Grid staff posts (三长联动: 网格长 + 楼栋长 + 单元长, and the grid workers)."""

    GRID_CHIEF = "grid_chief", _("Grid chief (网格长)")
    FULL_TIME = "full_time", _("Full-time grid worker (专职网格员)")
    PART_TIME = "part_time", _("Part-time grid worker (兼职网格员)")
    BUILDING_CHIEF = "building_chief", _("Building chief (楼栋长)")
    UNIT_CHIEF = "unit_chief", _("Unit chief (单元长)")


STAFF_POST_ZH: dict[str, str] = {
    "grid_chief": "网格长",
    "full_time": "专职网格员",
    "part_time": "兼职网格员",
    "building_chief": "楼栋长",
    "unit_chief": "单元长",
}


def lookup(value: str, table: dict[str, str] | list[tuple[str, str]]) -> str | None:
    """The code for ``value`` given as a code or as its Chinese name, or ``None``."""
    items = table.items() if isinstance(table, dict) else table
    value = (value or "").strip()
    for code, name in items:
        if value in (code, name):
            return code
    return None
