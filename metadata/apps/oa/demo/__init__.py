"""Office admin demo data: expense claims with invoices (countersigned by finance),
meeting rooms booked without overlaps, contracts with their attachments, announcements
and requests for assets and office supplies."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from formflow.demo.company import USERS

from .values import (
    ADMIN_STAFF,
    DIRECTOR,
    FINANCE,
    LEGAL,
    ROOMS,
    contract_values,
    expense_lines,
    local_time,
)


def bulk(demo, loader) -> None:
    if not loader.has("oa.expense_claim"):
        return
    staff = [(u[0], u[2], u[3]) for u in USERS if u[3]]  # (name, department, manager)
    _expenses(demo, loader, staff)
    _rooms(demo, loader)
    _contracts(demo, loader, staff)
    _announcements(demo, loader)
    _requests(demo, loader, staff)


def _expenses(demo, loader, staff) -> None:
    rng = demo.rng
    for _ in range(demo.n(460)):
        person, department, manager = rng.choice(staff)
        created = demo.moment(rng.uniform(3, 200))
        lines = expense_lines(demo, created.date())
        total = sum(Decimal(line["amount"]) for line in lines)
        submitted = demo.later(created, 0.1, 4)
        decided = demo.later(submitted, 1, 40)
        history = [("submit", "manager_review", person, submitted, None)]
        if rng.random() < 0.06:
            history.append(
                (
                    "reject",
                    "rejected",
                    manager,
                    decided,
                    "与出差申请不符。 Not on the approved trip.",
                )
            )
        else:
            if total > 5000:
                history.append(("approve", "director_review", manager, decided, None))
                decided = demo.later(decided, 1, 30)
                history.append(("approve", "finance_review", DIRECTOR, decided, None))
            else:
                history.append(("approve", "finance_review", manager, decided, None))
            first = demo.later(decided, 1, 20)
            history.append(("approve", None, FINANCE[1], first, "发票已核对。"))
            history.append(("approve", "approved", FINANCE[0], demo.later(first, 0.5, 20), None))
        values = {
            "claimant": person,
            "department": department,
            "purpose": rng.choice(
                [
                    "北京客户拜访 Beijing customer visit",
                    "展会差旅 Trade show trip",
                    "部门团建 Team event",
                    "办公用品采购 Office supplies",
                    "技术培训 Technical training",
                ]
            ),
            "claim_date": created.date().isoformat(),
            "payment_method": "bank_transfer",
            "bank_account": f"6222 0210 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
            "lines": lines,
        }
        if history[-1][1] == "approved":
            values["approved_on"] = history[-1][3].date().isoformat()
        loader.add("oa.expense_claim", person, values, at=created, history=history)


def _rooms(demo, loader) -> None:
    rng = demo.rng
    rooms = []
    for code, name, floor, seats, equipment in ROOMS:
        rooms.append(
            loader.add(
                "oa.meeting_room",
                ADMIN_STAFF[0],
                {
                    "name": name,
                    "code": code,
                    "building": "A 座",
                    "floor": floor,
                    "capacity": seats,
                    "equipment": equipment,
                },
                at=demo.moment(400),
            )
        )
    demo.data["rooms"] = rooms
    people = [u[0] for u in USERS]
    subjects = [
        "周例会 Weekly meeting",
        "项目评审 Project review",
        "客户来访 Customer visit",
        "面试 Interview",
        "培训 Training",
        "预算讨论 Budget review",
        "站会 Stand-up",
    ]
    days = [demo.today + timedelta(days=d) for d in range(-demo.n(45), 15)]
    for day in days:
        if day.weekday() >= 5:
            continue
        for room in rooms:
            hour = 9
            while hour < 18 and rng.random() < 0.75:
                hour += rng.choice([0, 1, 1, 2])
                length = rng.choice([1, 1, 2])
                if hour + length > 19:
                    break
                organizer = rng.choice(people)
                starts = local_time(demo, day, hour)
                loader.add(
                    "oa.booking",
                    organizer,
                    {
                        "room": room["id"],
                        "subject": rng.choice(subjects),
                        "starts_at": starts.isoformat(),
                        "ends_at": local_time(demo, day, hour + length).isoformat(),
                        "organizer": organizer,
                        "attendees": min(room["capacity"], rng.randint(2, 12)),
                        "status": "cancelled" if rng.random() < 0.05 else "confirmed",
                        "needs": rng.choice([[], ["tea"], ["video"], ["tea", "signs"]]),
                    },
                    at=min(starts, demo.now) - timedelta(days=rng.uniform(1, 6)),
                )
                hour += length


def _contracts(demo, loader, staff) -> None:
    rng = demo.rng
    owners = [s for s in staff if s[1] in ("SALES", "SALES-N", "SALES-S", "PUR", "ADMIN")]
    heads = {
        "SALES": "lihua",
        "SALES-N": "wangfang",
        "SALES-S": "chenjing",
        "PUR": "sunli",
        "ADMIN": "fengjie",
    }
    for _ in range(demo.n(70)):
        owner, department, _ = rng.choice(owners)
        amount = rng.choice([30000, 80000, 150000, 300000, 650000, 1200000])
        created = demo.moment(rng.uniform(20, 300))
        values = contract_values(demo, owner, department, amount)
        steps = [demo.later(created, 0.5, 10)]
        for _ in range(5):
            steps.append(demo.later(steps[-1], 2, 40))
        head = heads[department]  # the head of the owner's department (maybe the owner)
        history = [
            ("submit", "dept_review", owner, steps[0], None),
            ("approve", "review", head, steps[1], None),  # legal and finance in parallel
        ]
        values["legal_opinion"] = "条款无重大风险。 No material legal risk."
        if rng.random() < 0.1:
            history.append(("reject", "rejected", LEGAL, steps[2], "责任限制条款不可接受。",
                            "legal_review"))
        else:
            # Legal and (above 100,000) finance decide in either order; the last joins.
            decisions = [(LEGAL, "legal_review")]
            if amount > 100000:
                decisions.append((FINANCE[0], "finance_review"))
                rng.shuffle(decisions)
            for (who, step), when in zip(decisions, steps[2:], strict=False):
                history.append(("approve", "@join", who, when, None, step))
            last = decisions[-1][0]
            if amount > 500000:
                history.append(("join", "director_review", last, steps[3], None))
                history.append(("approve", "signing", DIRECTOR, steps[4], None))
            else:
                history.append(("join", "signing", last, steps[1 + len(decisions)], None))
            values["sign_date"] = steps[5].date().isoformat()
            values["signed_file"] = demo.file("contract-signed.pdf", "Signed contract")
            history.append(("archive", "archived", owner, steps[5], None))
        loader.add("oa.contract", owner, values, at=created, history=history)


ANNOUNCEMENTS = [
    ("关于国庆节放假安排的通知 National Day holiday", "holiday"),
    ("差旅费报销管理办法（修订） Travel expense policy, revised", "policy"),
    ("年度体检通知 Annual health check", "notice"),
    ("第三季度优秀员工表彰 Employees of the quarter", "personnel"),
    ("公司年会报名 Annual party sign-up", "event"),
    ("办公区消防演练 Fire drill", "notice"),
    ("信息安全管理规定 Information security rules", "policy"),
    ("新任销售总监任命 New sales director", "personnel"),
]


def _announcements(demo, loader) -> None:
    rng = demo.rng
    for index, (title, category) in enumerate(ANNOUNCEMENTS * max(1, demo.n(2))):
        created = demo.moment(rng.uniform(5, 300))
        published = demo.later(created, 1, 20)
        loader.add(
            "oa.announcement",
            ADMIN_STAFF[index % 2],
            {
                "title": title,
                "category": category,
                "pinned": index == 0,
                "body": f"{title}\n\n各部门同事：请知悉并遵照执行。 Please read and follow."
                "\n\n行政部 Administration",
                "publish_on": published.date().isoformat(),
                "published_on": published.date().isoformat(),
            },
            at=created,
            history=[
                ("submit", "review", ADMIN_STAFF[index % 2], demo.later(created, 0.1, 2), None),
                ("publish", "published", ADMIN_STAFF[(index + 1) % 2], published, None),
            ],
        )


def _requests(demo, loader, staff) -> None:
    rng = demo.rng
    for _ in range(demo.n(90)):
        person, department, manager = rng.choice(staff)
        created = demo.moment(rng.uniform(3, 250))
        value = rng.choice([1500, 3000, 6000, 9000, 12000, 16000])
        steps = [demo.later(created, 0.2, 4)]
        for _ in range(3):
            steps.append(demo.later(steps[-1], 1, 30))
        history = [("submit", "manager_review", person, steps[0], None)]
        if value > 10000:
            history += [
                ("approve", "director_review", manager, steps[1], None),
                ("approve", "handout", DIRECTOR, steps[2], None),
            ]
        else:
            history.append(("approve", "handout", manager, steps[1], None))
        history.append(("issue", "issued", ADMIN_STAFF[1], steps[3], None))
        loader.add(
            "oa.asset_request",
            person,
            {
                "requester": person,
                "department": department,
                "asset_type": rng.choice(["laptop", "monitor", "phone", "tablet", "furniture"]),
                "spec": rng.choice(["14 英寸 16G", "27 英寸 4K", "人体工学椅"]),
                "quantity": 1,
                "estimated_value": f"{value}.00",
                "reason": "新员工配置 / 设备老化更换 Replacement",
                "asset_tag": f"FA-{rng.randrange(10000, 99999)}",
                "issued_on": steps[3].date().isoformat(),
            },
            at=created,
            history=history,
        )
    for _ in range(demo.n(170)):
        person, department, manager = rng.choice(staff)
        created = demo.moment(rng.uniform(1, 250))
        items = [
            {"item": item, "quantity": rng.randint(1, 10)}
            for item in rng.sample(
                ["pen", "notebook", "a4_paper", "toner", "folder", "batteries"], rng.randrange(1, 4)
            )
        ]
        total = sum(i["quantity"] for i in items)
        issued = demo.later(created, 1, 30)
        if total > 20:
            approved = demo.later(created, 0.5, 10)
            issued = demo.later(approved, 1, 20)
            history = [
                ("submit", "manager_review", person, demo.later(created, 0.1, 0.4), None),
                ("approve", "handout", manager, approved, None),
            ]
        else:
            history = [("submit", "handout", person, demo.later(created, 0.1, 0.4), None)]
        history.append(("issue", "issued", rng.choice(ADMIN_STAFF), issued, None))
        loader.add(
            "oa.supply_request",
            person,
            {
                "requester": person,
                "department": department,
                "lines": items,
                "purpose": rng.choice(
                    ["日常办公 Daily use", "项目资料 Project binders", "会议准备 Meeting prep"]
                ),
                "issued_on": issued.date().isoformat(),
            },
            at=created,
            history=history,
        )


def live(demo, live) -> None:
    if "rooms" not in demo.data:
        return
    staff = {u[0]: (u[2], u[3]) for u in USERS if u[3]}
    # Expense claims at every step: waiting for the manager (some overdue), the director,
    # the finance countersign half done, approved, rejected, sent back, withdrawn.
    plans = [
        ("luoyi", "draft"),
        ("xiejie", "manager"),
        ("wangfang", "manager"),
        ("wugang", "manager"),
        ("zhangwei", "director"),
        ("chenjing", "director"),
        ("liuyang", "finance"),
        ("majun", "finance_half"),
        ("tianye", "approved"),
        ("panwei", "rejected"),
        ("huangmin", "sent_back"),
        ("sunyue", "withdrawn"),
    ]
    for index, (person, plan) in enumerate(plans):
        department, manager = staff[person]
        lines = [
            {
                "expense_date": demo.today.isoformat(),
                "category": "local_transport",
                "description": "出租车 Taxi",
                "amount": "56.00",
            },
            {
                "expense_date": demo.today.isoformat(),
                "category": "hotel",
                "description": "酒店住宿 Hotel",
                "amount": "420.00",
                "invoice": demo.file("invoice.pdf", "VAT invoice"),
            },
        ]
        if plan == "director":
            lines.append(
                {
                    "expense_date": demo.today.isoformat(),
                    "category": "training",
                    "description": "外部培训 External course",
                    "amount": "6800.00",
                    "invoice": demo.file("invoice.pdf", "VAT invoice"),
                }
            )
        claim = live.create(
            person,
            "oa.expense_claim",
            {
                "claimant": person,
                "department": department,
                "purpose": "客户拜访 Customer visit",
                "payment_method": "bank_transfer",
                "bank_account": "6222 0210 1234 5678",
                "lines": lines,
            },
        )
        if plan == "draft":
            continue
        live.act(person, "oa.expense_claim", claim, "submit")
        if plan in ("director", "finance", "finance_half", "approved"):
            live.act(manager, "oa.expense_claim", claim, "approve")
        if plan == "finance_half":
            live.act(FINANCE[1], "oa.expense_claim", claim, "approve", comment="发票已核对。")
        elif plan == "approved":
            for officer in FINANCE:
                live.act(officer, "oa.expense_claim", claim, "approve")
        elif plan == "rejected":
            live.act(manager, "oa.expense_claim", claim, "reject", comment="请按差旅标准报销。")
        elif plan == "sent_back":
            live.act(manager, "oa.expense_claim", claim, "send_back", comment="缺少酒店发票。")
        elif plan == "withdrawn":
            live.act(person, "oa.expense_claim", claim, "withdraw")
        demo.overdue("oa.expense_claim", claim, [0, 0.5, 3, 5, 1, 4, 2, 3, 1, 1, 1, 0][index])
    # Two bookings made now, one for a room that is free and one moved later.
    room = demo.data["rooms"][-1]
    day = demo.today + timedelta(days=20)
    live.create(
        "hanxue",
        "oa.booking",
        {
            "room": room["id"],
            "subject": "季度规划 Quarterly planning",
            "starts_at": local_time(demo, day, 9).isoformat(),
            "ends_at": local_time(demo, day, 12).isoformat(),
            "attendees": 12,
            "needs": ["tea"],
        },
    )
    # Contracts at each step, announcements waiting, asset and supply requests waiting.
    for index, (owner, amount, steps) in enumerate(
        [
            ("wangfang", 80000, 0),
            ("chenjing", 150000, 1),
            ("majun", 300000, 2),
            ("zhangwei", 900000, 3),
            ("sunli", 650000, 4),
            ("liuyang", 60000, 5),
        ]
    ):
        department, _ = staff[owner]
        contract = live.create(
            owner, "oa.contract", contract_values(demo, owner, department, amount)
        )
        if steps == 0:
            continue
        live.act(owner, "oa.contract", contract, "submit")
        approvers = [None, LEGAL, FINANCE[0], DIRECTOR]  # None: the department head
        for approver in approvers[: steps - 1]:
            if contract["_state"] in ("signing", "archived"):
                break
            who = approver or live.assignees("oa.contract", contract)[0]
            opinion = {"legal_opinion": "同意，注意付款节点。"} if approver == LEGAL else None
            live.act(who, "oa.contract", contract, "approve", values=opinion)
        demo.overdue("oa.contract", contract, [0, 1, 3, 2, 4, 1][index])
    notice = live.create(
        "tangli",
        "oa.announcement",
        {
            "title": "元旦放假安排 New Year holiday",
            "category": "holiday",
            "body": "1 月 1 日放假一天。 The office is closed on January 1.",
        },
    )
    live.act("tangli", "oa.announcement", notice, "submit")
    for index, person in enumerate(["luoyi", "sunyue", "heyan"]):
        request = live.create(
            person,
            "oa.asset_request",
            {
                "requester": person,
                "department": staff[person][0],
                "asset_type": "laptop",
                "spec": "14 英寸 32G",
                "estimated_value": "12800.00" if index == 1 else "7600.00",
                "reason": "电脑老化 The old laptop is five years old.",
            },
        )
        live.act(person, "oa.asset_request", request, "submit")
        if index == 2:
            live.act(staff[person][1], "oa.asset_request", request, "approve")
        demo.overdue("oa.asset_request", request, index * 2)
    for index, person in enumerate(["tianye", "caihong", "liangyu"]):
        request = live.create(
            person,
            "oa.supply_request",
            {
                "requester": person,
                "department": staff[person][0],
                "purpose": "日常办公 Daily use",
                "lines": [
                    {"item": "a4_paper", "quantity": 30 if index == 0 else 2},
                    {"item": "pen", "quantity": 5},
                ],
            },
        )
        live.act(person, "oa.supply_request", request, "submit")
        demo.overdue("oa.supply_request", request, index + 0.5)
