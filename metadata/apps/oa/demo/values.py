"""The office admin demo's cast (finance, the director, admin staff, legal), its meeting
rooms and expense kinds, and the record values its history and its live part share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

FINANCE = ["zhengyu", "caihong"]
DIRECTOR = "zhaoming"
ADMIN_STAFF = ["fengjie", "tangli"]
LEGAL = "xuli"
ROOMS = [
    ("R301", "泰山 Taishan", 3, 6, ["screen", "whiteboard"]),
    ("R302", "华山 Huashan", 3, 10, ["projector", "whiteboard", "phone"]),
    ("R501", "黄山 Huangshan", 5, 20, ["projector", "video", "phone"]),
    ("R502", "峨眉 Emei", 5, 8, ["screen", "video"]),
    ("R801", "长城 Great Wall", 8, 40, ["projector", "video", "phone", "whiteboard"]),
    ("R802", "西湖 West Lake", 8, 4, ["screen"]),
    ("R101", "洽谈室 Reception", 1, 6, ["screen"]),
    ("R102", "培训室 Training room", 1, 30, ["projector", "whiteboard"]),
]
EXPENSES = [
    ("travel", "高铁 上海-北京 High-speed train", 553, 1200),
    ("hotel", "酒店住宿 Hotel", 380, 900),
    ("meals", "客户招待 Client dinner", 200, 1500),
    ("local_transport", "出租车 Taxi", 20, 120),
    ("office", "办公用品 Office supplies", 30, 400),
    ("communication", "话费 Phone bill", 100, 300),
    ("training", "外部培训 External course", 800, 6000),
]


def expense_lines(demo, day, count=(1, 5)) -> list[dict]:
    rng = demo.rng
    lines = []
    for offset in range(rng.randrange(*count)):
        category, text, low, high = rng.choice(EXPENSES)
        amount = Decimal(rng.randrange(low, high))
        line = {
            "expense_date": (day - timedelta(days=offset)).isoformat(),
            "category": category,
            "description": text,
            "amount": f"{amount:.2f}",
            "invoice_no": f"{rng.randrange(10**7, 10**8)}",
        }
        if amount > 300:
            line["invoice"] = demo.file("invoice.pdf", "VAT invoice")
        lines.append(line)
    return lines


def local_time(demo, day, hour: int, minute: int = 0) -> datetime:
    zone = demo.runtime.timezone
    moment = datetime.combine(day, clock(hour, minute))
    return (moment.replace(tzinfo=zone) if zone else moment.replace(tzinfo=UTC)).astimezone(UTC)


def contract_values(demo, owner: str, department: str, amount: int) -> dict:
    rng = demo.rng
    start = demo.today + timedelta(days=rng.randrange(-200, 30))
    return {
        "subject": rng.choice(
            [
                "年度服务框架协议 Annual services agreement",
                "设备采购合同 Equipment purchase",
                "办公室租赁合同 Office lease",
                "软件许可协议 Software licence",
                "保密协议 NDA",
            ]
        ),
        "contract_type": rng.choice(["sales", "purchase", "service", "lease"]),
        "counterparty": rng.choice(
            ["上海远航科技有限公司", "北京华信贸易有限公司", "Globex Ltd.", "深圳星辰制造有限公司"]
        ),
        "amount": f"{amount}.00",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=365)).isoformat(),
        "owner": owner,
        "department": department,
        "summary": "付款方式：预付 30%，验收后 70%；违约金 5%；争议由上海仲裁委员会仲裁。 "
        "30 % upfront, 70 % on acceptance; 5 % penalty; arbitration in Shanghai.",
        "contract_file": demo.file("contract-draft.pdf", "Contract draft"),
        "supporting_file": demo.file("business-licence.pdf", "Business licence"),
    }
