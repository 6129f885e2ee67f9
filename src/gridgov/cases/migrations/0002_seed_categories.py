"""Seed the category tree: GB/T 30428.2 event classes (01–06, sub-classes with 4-digit codes)
and governance classes (G01–G07). Names are data, stored in Chinese; administrators edit them
in the back office. Existing rows (by code) are left as they are, so re-running is harmless.

Tuple: (code, name, handling level, department kind, sign-for limit, handle limit, priority,
extra fields). Levels: 6 grid, 5 community, 4 street, 3 county. Limits: (amount, unit).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

H = "hours"
D = "days"

PLATE = {"name": "plate", "label": "车牌号", "type": "text", "required": True}
PARTIES = {"name": "party_count", "label": "当事人数", "type": "number", "required": True}
CASUALTIES = {
    "name": "casualties",
    "label": "有无人员伤亡",
    "type": "choice",
    "required": True,
    "choices": ["无", "有", "不清楚"],
}
PLACE = {
    "name": "place_kind",
    "label": "场所类型",
    "type": "choice",
    "required": False,
    "choices": ["住宅小区", "沿街商铺", "企业厂房", "公共场所", "其他"],
}
GOODS = {
    "name": "goods",
    "label": "经营品类",
    "type": "choice",
    "required": False,
    "choices": ["餐饮小吃", "果蔬", "日杂百货", "其他"],
}

# (code, name, level, department kind, sign, handle, priority, extra, [children])
Row = tuple[str, str, int, str, tuple[int, str], tuple[int, str], int, list[Any], list[Any]]

CITY = (4, H)  # typical sign-for limit of 市容 events: 4 working hours

# fmt: off
TREE: list[Row] = [
    ("01", "市容环境", 6, "", CITY, (2, D), 2, [], [
        ("0101", "暴露垃圾", 6, "", CITY, (1, D), 2, [], []),
        ("0102", "积存垃圾渣土", 6, "", CITY, (2, D), 2, [], []),
        ("0103", "道路不洁", 6, "", CITY, (1, D), 2, [], []),
        ("0104", "水域不洁", 4, "environment", CITY, (3, D), 2, [], []),
        ("0105", "绿地脏乱", 6, "", CITY, (2, D), 2, [], []),
        ("0106", "乱倒乱扔", 6, "", CITY, (1, D), 2, [], []),
        ("0107", "焚烧垃圾", 6, "", (2, H), (1, D), 1, [], []),
        ("0108", "私搭乱建", 4, "urban_management", CITY, (3, D), 2, [], []),
        ("0109", "废弃车辆", 5, "", CITY, (3, D), 3, [], []),
        ("0110", "废弃家具设备", 6, "", CITY, (2, D), 3, [], []),
        ("0111", "非装饰性树挂", 6, "", CITY, (2, D), 3, [], []),
        ("0112", "道路遗撒", 6, "", (2, H), (1, D), 2, [], []),
        ("0113", "露天烧烤", 5, "urban_management", CITY, (1, D), 2, [], []),
        ("0114", "违规饲养家禽家畜", 5, "", CITY, (3, D), 3, [], []),
    ]),
    ("02", "宣传广告", 5, "", CITY, (3, D), 3, [], [
        ("0201", "非法小广告", 6, "", CITY, (2, D), 3, [], []),
        ("0202", "违章张贴悬挂广告", 5, "", CITY, (3, D), 3, [], []),
        ("0203", "占道广告牌", 5, "urban_management", CITY, (3, D), 2, [], []),
        ("0204", "街头散发广告", 6, "", CITY, (1, D), 3, [], []),
        ("0205", "广告招牌破损", 5, "", (2, H), (2, D), 2, [], []),
        ("0206", "过期广告", 5, "", CITY, (3, D), 3, [], []),
    ]),
    ("03", "施工管理", 4, "housing", CITY, (3, D), 2, [], [
        ("0301", "施工扰民", 4, "housing", CITY, (2, D), 2, [], []),
        ("0302", "工地扬尘", 4, "environment", CITY, (2, D), 2, [], []),
        ("0303", "渣土车遗撒", 4, "urban_management", (2, H), (1, D), 2, [PLATE], []),
        ("0304", "施工占道", 4, "urban_management", CITY, (2, D), 2, [], []),
        ("0305", "无证掘路", 4, "urban_management", CITY, (2, D), 2, [], []),
        ("0306", "施工废弃料", 5, "", CITY, (3, D), 3, [], []),
        ("0307", "违规夜间施工", 4, "housing", (1, H), (1, D), 1, [], []),
    ]),
    ("04", "突发事件", 4, "emergency", (1, H), (8, H), 1, [CASUALTIES], [
        ("0401", "路面塌陷", 4, "housing", (1, H), (8, H), 1, [], []),
        ("0402", "自来水管破裂", 4, "", (1, H), (8, H), 1, [], []),
        ("0403", "燃气管道破裂", 3, "emergency", (1, H), (4, H), 1, [], []),
        ("0404", "下水道堵塞或破损", 5, "", (1, H), (8, H), 1, [], []),
        ("0405", "供热管道破裂", 4, "", (1, H), (8, H), 1, [], []),
        ("0406", "道路积水", 5, "", (1, H), (8, H), 1, [], []),
        ("0407", "道路积雪结冰", 5, "", (1, H), (8, H), 1, [], []),
        ("0408", "火灾", 3, "emergency", (1, H), (4, H), 1, [], []),
        ("0409", "环境污染事故", 3, "environment", (1, H), (8, H), 1, [], []),
        ("0410", "架空线缆损坏", 4, "", (1, H), (8, H), 1, [], []),
    ]),
    ("05", "街面秩序", 5, "urban_management", CITY, (1, D), 2, [], [
        ("0501", "无照经营游商", 5, "urban_management", CITY, (1, D), 2, [GOODS], []),
        ("0502", "流浪乞讨", 4, "civil_affairs", (2, H), (1, D), 2, [], []),
        ("0503", "占道经营", 6, "", CITY, (1, D), 2, [GOODS], []),
        ("0504", "机动车乱停放", 4, "police", (2, H), (1, D), 2, [PLATE], []),
        ("0505", "非机动车乱停放", 6, "", CITY, (1, D), 3, [], []),
        ("0506", "店外经营", 6, "", CITY, (1, D), 2, [], []),
        ("0507", "黑车拉客", 4, "police", (2, H), (1, D), 2, [PLATE], []),
        ("0508", "街头卖艺", 6, "", CITY, (1, D), 3, [], []),
        ("0509", "共享单车乱停放", 6, "", CITY, (1, D), 3, [], []),
    ]),
    ("06", "扩展", 5, "", CITY, (3, D), 2, [], [
        ("0601", "噪声扰民", 5, "environment", CITY, (2, D), 2, [], []),
        ("0602", "餐饮油烟污染", 4, "environment", CITY, (3, D), 2, [], []),
        ("0603", "违规养犬", 5, "", CITY, (2, D), 2, [], []),
        ("0604", "井盖缺失破损", 5, "", (1, H), (1, D), 1, [], []),
        ("0605", "路灯损坏", 5, "", CITY, (3, D), 3, [], []),
        ("0606", "楼道堆物", 6, "", CITY, (2, D), 2, [], []),
    ]),
    ("G01", "矛盾纠纷", 5, "", CITY, (5, D), 2, [PARTIES], [
        ("G0101", "邻里纠纷", 6, "", CITY, (5, D), 2, [], []),
        ("G0102", "婚姻家庭纠纷", 5, "", CITY, (5, D), 2, [], []),
        ("G0103", "物业纠纷", 5, "", CITY, (7, D), 2, [], []),
        ("G0104", "劳资纠纷", 4, "justice", CITY, (10, D), 2, [], []),
        ("G0105", "土地山林纠纷", 4, "justice", CITY, (10, D), 2, [], []),
        ("G0106", "消费纠纷", 4, "market_regulation", CITY, (7, D), 2, [], []),
        ("G0107", "房屋租赁纠纷", 5, "", CITY, (7, D), 2, [], []),
    ]),
    ("G02", "安全隐患", 5, "", (2, H), (2, D), 1, [PLACE], [
        ("G0201", "消防安全隐患", 5, "emergency", (2, H), (2, D), 1, [], []),
        ("G0202", "燃气安全隐患", 4, "emergency", (1, H), (1, D), 1, [], []),
        ("G0203", "房屋安全隐患", 4, "housing", (2, H), (3, D), 1, [], []),
        ("G0204", "电动车违规充电", 6, "", (2, H), (1, D), 1, [], []),
        ("G0205", "高空坠物隐患", 5, "", (2, H), (2, D), 1, [], []),
        ("G0206", "食品安全隐患", 4, "market_regulation", (2, H), (3, D), 1, [], []),
        ("G0207", "治安隐患", 4, "police", (2, H), (2, D), 1, [], []),
    ]),
    ("G03", "民生诉求", 5, "", CITY, (10, D), 2, [], [
        ("G0301", "供水供电供气", 4, "", CITY, (5, D), 2, [], []),
        ("G0302", "供暖", 4, "", CITY, (5, D), 2, [], []),
        ("G0303", "道路交通出行", 4, "", CITY, (10, D), 2, [], []),
        ("G0304", "社会保障", 4, "civil_affairs", CITY, (10, D), 2, [], []),
        ("G0305", "教育医疗", 4, "", CITY, (10, D), 2, [], []),
        ("G0306", "小区设施维修", 5, "", CITY, (7, D), 2, [], []),
    ]),
    ("G04", "咨询", 5, "", (1, D), (3, D), 3, [], [
        ("G0401", "政策咨询", 5, "", (1, D), (3, D), 3, [], []),
        ("G0402", "办事咨询", 5, "", (1, D), (3, D), 3, [], []),
        ("G0403", "社保医保咨询", 4, "civil_affairs", (1, D), (3, D), 3, [], []),
    ]),
    ("G05", "求助", 5, "", (2, H), (3, D), 1, [], [
        ("G0501", "生活困难求助", 5, "civil_affairs", (2, H), (3, D), 1, [], []),
        ("G0502", "就医求助", 5, "", (1, H), (1, D), 1, [], []),
        ("G0503", "老人儿童求助", 6, "", (1, H), (1, D), 1, [], []),
        ("G0504", "残疾人帮扶", 5, "civil_affairs", (2, H), (3, D), 2, [], []),
    ]),
    ("G06", "投诉", 4, "", (1, D), (13, D), 2, [], [
        ("G0601", "服务态度投诉", 4, "", (1, D), (13, D), 2, [], []),
        ("G0602", "消费投诉", 4, "market_regulation", (1, D), (13, D), 2, [], []),
        ("G0603", "物业服务投诉", 5, "", (1, D), (13, D), 2, [], []),
        ("G0604", "环境污染投诉", 4, "environment", (1, D), (13, D), 2, [], []),
        ("G0605", "违法违规行为投诉", 4, "urban_management", (1, D), (13, D), 2, [], []),
    ]),
    ("G07", "建议", 4, "", (2, D), (15, D), 3, [], [
        ("G0701", "城市管理建议", 4, "", (2, D), (15, D), 3, [], []),
        ("G0702", "社区服务建议", 5, "", (2, D), (15, D), 3, [], []),
        ("G0703", "公共设施建议", 4, "", (2, D), (15, D), 3, [], []),
    ]),
]
# fmt: on


def _rows(rows: list[Row], parent: str | None) -> list[tuple[str | None, Row]]:
    out: list[tuple[str | None, Row]] = []
    for row in rows:
        out.append((parent, row))
        out.extend(_rows(row[8], row[0]))
    return out


def seed(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("cases", "Category")
    by_code = {c.code: c for c in Category.objects.all()}
    for sort, (parent_code, row) in enumerate(_rows(TREE, None), start=1):
        code, name, level, dept, sign, handle, priority, extra, _children = row
        if code in by_code:
            continue
        by_code[code] = Category.objects.create(
            code=code,
            name=name,
            parent=by_code.get(parent_code) if parent_code else None,
            default_level=level,
            default_department_kind=dept,
            sign_limit=sign[0],
            sign_unit=sign[1],
            handle_limit=handle[0],
            handle_unit=handle[1],
            priority=priority,
            extra_fields=extra,
            sort=sort * 10,
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
