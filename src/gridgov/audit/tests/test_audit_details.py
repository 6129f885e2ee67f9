"""The audit log shows an entry's detail readably (translated keys and values), not raw JSON."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import translation

from gridgov.audit.details import detail_items
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record


def test_detail_items_translate_keys_and_values() -> None:
    with translation.override("zh-hans"):
        items = detail_items(
            {
                "fields": ["text", "reporter", "id_number"],
                "reason": "回电核实",
                "perm": "roster.unmask",
                "unmasked": True,
                "filters": {"area": 7},
                "custom_key": 3,
            }
        )
    assert items == [
        ("字段", "填写的文字内容、上报人、身份证号"),
        ("原因", "回电核实"),
        ("权限", "查看和导出未脱敏的个人信息"),
        ("明文", "是"),
        ("筛选条件", "区域：7"),
        ("custom_key", "3"),
    ]
    assert detail_items({}) == [] and detail_items(None) == []


def test_the_audit_page_shows_no_raw_json(tree, make_user) -> None:
    admin = make_user("auditor", ("admin", tree.county))
    audit_record(
        event=Event.PERSONAL_DATA_VIEWED,
        actor=admin,
        area=tree.grid1,
        detail={"fields": ["text", "reporter"], "reason": "回电核实"},
    )
    client = Client()
    client.force_login(admin)
    html = client.get(reverse("audit:list")).content.decode()
    assert "原因：</span>回电核实" in html
    assert '"reason"' not in html and "{&quot;" not in html
