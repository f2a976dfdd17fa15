"""The forms of the workflow's actions, as a duty officer fills them in (the console draws them):
the fields of each action and of intake, in the plan's terms."""

from __future__ import annotations

from engine.lifecycle import FormField as Field

COUNTS = (
    Field("people_at_risk", "危及人数", "count"),
    Field("dead", "死亡", "count"),
    Field("missing", "失踪", "count"),
    Field("injured", "受伤", "count"),
    Field("economic_loss_yuan", "直接经济损失（元）", "money"),
)
NOTE = (Field("note", "说明", "textarea"),)

FORMS: dict[str, tuple[Field, ...]] = {
    "acknowledge": (Field("kind", "签收的通知", "my_notice", hint="不选则签收全部待签收的通知"),),
    "verify": (
        Field("condition", "核实后的险情类型", "condition", hint="不变则不选"),
        *COUNTS,
        Field("address", "更正地址"),
        # The report's description is a fact: what is typed here replaces it (the old text
        # stays in the fact revisions), so the form says so rather than asking for "findings".
        Field("description", "更正情况描述", "textarea", hint="不变则留空；原描述保留在修订记录中"),
    ),
    "raise_level": (
        Field("level", "调整到级别", "level", hint="不选则按新事实定级"),
        Field("condition", "新的险情类型", "condition"),
        *COUNTS,
        Field("reason", "理由", "textarea", hint="降低级别时必填"),
    ),
    "record_report": (
        Field("to", "报告对象", "recipient", required=True),
        Field("channel", "方式", hint="电话、传真、系统、书面……"),
        Field("content", "内容摘要", "textarea"),
    ),
    "submit_info_report": (
        Field("to", "报告对象", "recipient", required=True),
        Field("kind", "报告类别", "info_kind", required=True),
        Field("text", "报告正文", "textarea", required=True, hint="由系统按事件记录预填，可修改"),
        Field("channel", "方式", hint="电话、传真、系统、书面……"),
    ),
    "use_emergency_power": (
        Field("measure", "措施", "measure", required=True),
        Field("detail", "具体情况", "textarea", required=True),
    ),
    "eliminate_danger": (
        Field("expert_ids", "专家库中的专家", "pool", hint="可多选（电脑上按住 Ctrl 或 ⌘ 点选）"),
        Field("experts", "专家库以外的专家", "names", hint="每行一人；与上栏至少填一项"),
        Field("appraisers", "鉴定技术人员", "names", required=True, hint="每行一人"),
    ),
    "propose_termination": NOTE,
    "approve_termination": NOTE,
    "announce_termination": NOTE,
    "settle_obligation": (
        Field("obligation", "事项", "obligation", required=True),
        Field("amount_yuan", "金额（元）", "money", required=True),
        Field("how", "办理方式", required=True),
    ),
    "start_investigation": (Field("members", "调查组成员单位", "units"),),
    "dismiss": (Field("reason", "撤销理由", "textarea", required=True),),
    "amend_group": (
        Field("group", "工作组", "group", required=True),
        Field("leader_name", "组长姓名"),
        Field("add_units", "增加单位", "units"),
        Field("remove_units", "减少单位", "units"),
    ),
    "draft_statement": (
        Field("text", "发布稿内容", "textarea", required=True),
        Field("statement", "修改已有发布稿", "statement_any", hint="新稿不选"),
    ),
    "approve_statement": (Field("statement", "审核的发布稿", "statement_draft", required=True),),
    "release_statement": (Field("statement", "发布的稿件", "statement_approved", required=True),),
    "open_obligation": (
        Field("kind", "事项类别", "obligation_kind", required=True),
        Field("detail", "具体内容", "textarea", required=True),
        Field("owner", "承办单位", "unit", hint="不选则由区人民政府承办"),
    ),
}

REPORT = (
    Field("address", "地址", required=True),
    Field("street", "街道", "street"),
    Field("condition", "险情类型", "condition"),
    *COUNTS,
    Field("reporter", "报告人及电话"),
    Field("description", "情况描述", "textarea"),
)
FORMS["report"] = REPORT
