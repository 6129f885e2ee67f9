"""Seed the special groups (特殊人群) offices keep rosters of. Data, editable afterwards in the
admin; types already present (same code) are left alone."""

from typing import Any

from django.db import migrations

TAG_TYPES: list[dict[str, Any]] = [
    {
        "code": "dibao",
        "name": "低保",
        "sensitive": True,
        "fields": [
            {
                "key": "category",
                "label": "保障类别",
                "type": "choice",
                "choices": ["A类", "B类", "C类"],
                "required": False,
            },
            {"key": "amount", "label": "月保障金额（元）", "type": "decimal", "required": True},
            {"key": "certificate", "label": "低保证号", "type": "text", "required": False},
        ],
    },
    {
        "code": "tekun",
        "name": "特困",
        "sensitive": True,
        "fields": [
            {
                "key": "support_mode",
                "label": "供养方式",
                "type": "choice",
                "choices": ["集中供养", "分散供养"],
                "required": True,
            },
            {"key": "certificate", "label": "特困供养证号", "type": "text", "required": False},
        ],
    },
    {
        "code": "hardship",
        "name": "困难群众",
        "sensitive": True,
        "fields": [
            {
                "key": "reason",
                "label": "致困原因",
                "type": "choice",
                "choices": ["因病", "因残", "因学", "因灾", "缺劳动力", "其他"],
                "required": True,
            },
            {"key": "assistance", "label": "救助情况", "type": "text", "required": False},
        ],
    },
    {
        "code": "elderly",
        "name": "高龄",
        "sensitive": False,
        "fields": [
            {"key": "allowance", "label": "高龄津贴（元/月）", "type": "decimal", "required": True},
            {"key": "since", "label": "津贴起始日期", "type": "date", "required": False},
        ],
    },
    {
        "code": "disabled",
        "name": "残疾",
        "sensitive": True,
        "fields": [
            {
                "key": "disability_type",
                "label": "残疾类别",
                "type": "choice",
                "choices": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"],
                "required": True,
            },
            {
                "key": "grade",
                "label": "残疾等级",
                "type": "choice",
                "choices": ["一级", "二级", "三级", "四级"],
                "required": True,
            },
            {"key": "certificate", "label": "残疾证号", "type": "text", "required": False},
        ],
    },
    {
        "code": "empty_nest",
        "name": "空巢老人",
        "sensitive": True,
        "fields": [
            {"key": "contact", "label": "紧急联系人", "type": "text", "required": False},
            {
                "key": "visit_cycle",
                "label": "走访周期",
                "type": "choice",
                "choices": ["每周", "每半月", "每月"],
                "required": False,
            },
        ],
    },
    {
        "code": "living_alone",
        "name": "独居老人",
        "sensitive": True,
        "fields": [
            {"key": "contact", "label": "紧急联系人", "type": "text", "required": False},
            {
                "key": "visit_cycle",
                "label": "走访周期",
                "type": "choice",
                "choices": ["每周", "每半月", "每月"],
                "required": False,
            },
        ],
    },
    {
        "code": "left_behind_child",
        "name": "留守儿童",
        "sensitive": True,
        "fields": [
            {"key": "guardian", "label": "监护人", "type": "text", "required": True},
            {"key": "parents_work_place", "label": "父母务工地", "type": "text", "required": False},
            {"key": "school", "label": "就读学校", "type": "text", "required": False},
        ],
    },
    {
        "code": "veteran",
        "name": "退役军人",
        "sensitive": False,
        "fields": [
            {
                "key": "category",
                "label": "人员类别",
                "type": "choice",
                "choices": ["退役士兵", "转业干部", "复员干部", "军休干部", "其他"],
                "required": False,
            },
            {"key": "retired_on", "label": "退役时间", "type": "date", "required": False},
            {
                "key": "entitled",
                "label": "是否优抚对象",
                "type": "choice",
                "choices": ["是", "否"],
                "required": False,
            },
        ],
    },
    {
        "code": "key_person",
        "name": "重点人员",
        "sensitive": True,
        "fields": [
            {
                "key": "category",
                "label": "人员类别",
                "type": "choice",
                "choices": [
                    "社区矫正人员",
                    "刑满释放人员",
                    "严重精神障碍患者",
                    "吸毒人员",
                    "信访重点人员",
                    "其他",
                ],
                "required": True,
            },
            {
                "key": "risk_level",
                "label": "风险等级",
                "type": "choice",
                "choices": ["高", "中", "低"],
                "required": False,
            },
            {"key": "helper", "label": "帮扶责任人", "type": "text", "required": False},
        ],
    },
]


def seed(apps: Any, schema_editor: Any) -> None:
    TagType = apps.get_model("rosters", "TagType")
    for sort, spec in enumerate(TAG_TYPES, start=1):
        if TagType.objects.filter(code=spec["code"]).exists():
            continue
        if TagType.objects.filter(name=spec["name"]).exists():
            continue
        TagType.objects.create(sort=sort * 10, **spec)


def unseed(apps: Any, schema_editor: Any) -> None:
    TagType = apps.get_model("rosters", "TagType")
    TagType.objects.filter(code__in=[t["code"] for t in TAG_TYPES], tags__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rosters", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
