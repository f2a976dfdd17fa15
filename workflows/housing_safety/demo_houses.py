"""A demonstration data set for the console: clearly fictitious houses across the 11 streets,
shelters, experts, rescue resources, this year's fund, one warning, public-building checks and
drills.

Every name is 示例 and every phone number is in the 1380000xxxx block, so nothing here can be
taken for a real house, owner or person. `house demo` loads it once (a second load adds nothing).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from workflows.housing_safety.drills import DrillService
from workflows.housing_safety.prevention_service import PreventionService
from workflows.housing_safety.public_buildings import PublicBuildingService
from workflows.housing_safety.resources_service import ResourceService
from workflows.housing_safety.warnings_service import WarningService

STRUCTURES = ("砖混", "砖木", "框架", "混合")
USES = ("住宅", "商住", "仓储", "办公")
# (grade, disposition) cycled through: the register is mostly C and D houses.
GRADES = (("D", "stop_use"), ("C", "treat"), ("C", "observe"), ("D", "demolish"), ("B", None))


def demo_rows(streets: list[str]) -> list[dict[str, Any]]:
    """Three houses per street (33), numbered so each is recognisably invented."""
    rows = []
    for s, street in enumerate(streets):
        for n in range(3):
            k = s * 3 + n
            grade, disposition = GRADES[k % len(GRADES)]
            rows.append(
                {
                    "address": f"示例路{k + 1}号（演示数据）",
                    "street": street,
                    "community": f"示例社区{n + 1}",
                    "owner": f"示例产权人{k + 1}",
                    "owner_phone": f"1380000{k:04d}",
                    "responsible": f"示例责任人{k + 1}",
                    "responsible_phone": f"1380001{k:04d}",
                    "structure": STRUCTURES[k % 4],
                    "floors": 2 + k % 5,
                    "year_built": 1958 + k,
                    "area_m2": f"{120 + k * 7}.50",
                    "use": USES[k % 4],
                    "grade": grade,
                    "appraisal_body": "示例房屋安全鉴定所",
                    "report_number": f"示鉴〔2026〕{k + 1:03d}号",
                    "appraised_on": date(2026, 1 + k % 10, 1 + k % 27).isoformat(),
                    "disposition": disposition,
                    "warden": f"示例监护人{k + 1}",
                    "warden_phone": f"1380002{k:04d}",
                }
            )
    return rows


SHELTERS = (
    ("示例体育馆（演示）", "gymnasium", 300),
    ("示例公租房小区（演示）", "public_rental_housing", 120),
    ("示例广场（演示）", "square", 800),
)
EXPERTS = (
    "housing_management",
    "housing_management",
    "public_safety",
    "urban_construction",
    "urban_management",
    "work_safety",
    "earthquake_mitigation",
    "water_management",
)
RESCUE = (
    ("team", "房屋安全事故应急救援抢险工作专班（演示）", 1),
    ("vehicle", "示例专用抢险车", 2),
    ("equipment", "示例液压支撑顶杆", 40),
    ("material", "示例警戒带（卷）", 100),
)
HB = "district_housing_bureau"


def load_demo(service: PreventionService) -> dict[str, Any]:
    """Everything the prevention and resources pages show, once."""
    if service.list_houses():
        return {"imported": 0, "note": "the register is not empty; nothing loaded"}
    incidents = service.incidents
    now = incidents.now()
    rows = [
        r
        for r in demo_rows(list(service.plan.streets.items))
        if date.fromisoformat(r["appraised_on"]) <= now.date()
    ]
    ids = service.import_rows(list(enumerate(rows, start=2)), HB, {})
    warnings, resources = WarningService(incidents), ResourceService(incidents)
    streets = list(service.plan.streets.items)
    for n, (name, kind, capacity) in enumerate(SHELTERS):
        warnings.add_shelter(
            {
                "name": name,
                "street": streets[n * 4],
                "kind": kind,
                "address": f"示例大道{n + 1}号",
                "capacity": capacity,
            },
            HB,
        )
    for n, field in enumerate(EXPERTS):
        resources.add_expert(
            {
                "name": f"示例专家{n + 1}",
                "field": field,
                "phone": f"1380003{n:04d}",
                "employer": "示例设计研究院",
                "available": n != 1,
            },
            HB,
        )
    for kind, name, quantity in RESCUE:
        resources.add_resource({"kind": kind, "name": name, "quantity": quantity}, HB)
    year = now.astimezone(warnings.zone).year
    resources.set_budget({"year": year, "budget_yuan": 1_000_000}, "district_finance_bureau")
    warning = warnings.record_warning(
        {
            "kind": "rain",
            "colour": "orange",
            "streets": streets[:2],
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat(),
            "headline": "暴雨橙色预警（演示数据）",
        },
        HB,
    )
    checks = PublicBuildingService(incidents)
    # The last shows as overdue: checked more than the configured interval ago.
    for department, building, hazard, days_ago in (
        ("district_education_bureau", "示例小学教学楼", True, 3),
        ("district_health_commission", "示例卫生院门诊楼", False, 3),
        ("district_civil_affairs", "示例养老院", False, 400),
    ):
        checks.record(
            {
                "department": department,
                "building": f"{building}（演示）",
                "address": "示例路100号",
                "street": streets[2],
                "checked_on": (now.date() - timedelta(days=days_ago)).isoformat(),
                "findings": "二层楼板局部开裂" if hazard else "未见异常",
                "hazard": hazard,
            },
            department,
        )
    drills = DrillService(incidents)
    held = drills.plan_drill(
        {
            "title": "房屋倒塌应急救援演练（演示）",
            "planned_on": (now.date() - timedelta(days=400)).isoformat(),
            "units": ["district_fire_rescue", "street_office"],
        },
        "district_hq",
    )
    drills.record_held(held["id"], {"held_on": held["planned_on"]}, "district_hq")
    drills.plan_drill(
        {
            "title": "汛期危房避险转移演练（演示）",
            "planned_on": (now.date() + timedelta(days=20)).isoformat(),
        },
        "district_hq",
    )
    return {
        "imported": len(ids),
        "ids": ids,
        "warning": warning["id"],
        "shelters": len(SHELTERS),
        "experts": len(EXPERTS),
        "rescue": len(RESCUE),
    }
