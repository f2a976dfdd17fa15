"""A demonstration register for the console: clearly fictitious houses across the 11 streets.

Every name is 示例 and every phone number is in the 1380000xxxx block, so nothing here can be
taken for a real house, owner or person. `house demo` loads it once (a second load adds nothing).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.housing_safety.prevention_service import PreventionService

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


def load_demo(service: PreventionService) -> dict[str, Any]:
    if service.list_houses():
        return {"imported": 0, "note": "the register is not empty; nothing loaded"}
    today = service.incidents.now().date()
    rows = [
        r
        for r in demo_rows(list(service.plan.streets.items))
        if date.fromisoformat(r["appraised_on"]) <= today
    ]
    ids = service.import_rows(list(enumerate(rows, start=2)), "district_housing_bureau", {})
    return {"imported": len(ids), "ids": ids}
