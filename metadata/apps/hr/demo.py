"""HR demo data: an employee record for everybody, leave, overtime and attendance
corrections through the year, and onboarding and offboarding checklists at each step."""

from __future__ import annotations

from datetime import datetime, timedelta

from formflow.demo.company import USERS

HR_MANAGER = "wuxia"
HR_SPECIALIST = "heyan"
IT = "songtao"
FINANCE = "zhengyu"
LEVELS = {
    "zhaoming": "M3",
    "lihua": "M2",
    "sunli": "M2",
    "zhouqiang": "M2",
    "wuxia": "M2",
    "zhengyu": "M2",
    "fengjie": "M2",
    "songtao": "M2",
    "hanxue": "M2",
    "wangfang": "M1",
    "chenjing": "M1",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "桂英",
    "建华",
]


def bulk(demo, loader) -> None:
    if not loader.has("hr.employee"):
        return
    rng = demo.rng
    employees = {}
    for index, (username, display, department, _, _, position) in enumerate(USERS):
        hired = demo.today - timedelta(days=rng.randrange(200, 3000))
        employees[username] = loader.add(
            "hr.employee",
            HR_SPECIALIST,
            {
                "name": display,
                "user": username,
                "department": department,
                "position": position,
                "job_level": LEVELS.get(username, rng.choice(["P1", "P2", "P3", "P4"])),
                "employment_type": "full_time",
                "status": "active",
                "hire_date": hired.isoformat(),
                "phone": f"+86 139{rng.randrange(10000000, 99999999)}",
                "email": f"{username}@example.com",
                "birthday": (
                    demo.today - timedelta(days=rng.randrange(23 * 365, 50 * 365))
                ).isoformat(),
                "id_number": f"{310104 + index}{rng.randrange(1975, 2000)}0{rng.randrange(1, 9)}"
                f"{rng.randrange(10, 28)}{rng.randrange(100, 999)}X",
                "emergency_contact": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                "emergency_phone": f"+86 138{rng.randrange(10000000, 99999999)}",
                "annual_leave_balance": str(rng.choice([10, 12, 15, 15, 20])),
                "sick_leave_balance": "5",
                "comp_leave_balance": str(rng.choice([1, 2, 3])),
                "base_salary": f"{rng.randrange(8, 60) * 1000}.00",
            },
            at=demo.moment(rng.uniform(400, 600)),
            check_as=HR_MANAGER,
        )
    demo.data["employees"] = employees
    managers = {u[0]: u[3] for u in USERS}
    staff = [u[0] for u in USERS if managers[u[0]]]
    _leave(demo, loader, employees, managers, staff)
    _overtime(demo, loader, employees, managers, staff)
    _corrections(demo, loader, employees, managers, staff)
    _checklists(demo, loader, employees)


def _leave(demo, loader, employees, managers, staff) -> None:
    rng = demo.rng
    for _ in range(demo.n(520)):
        person = rng.choice(staff)
        employee = employees[person]
        start = demo.today - timedelta(days=rng.randrange(3, 300))
        kind = rng.choices(["annual", "sick", "personal", "in_lieu", "marriage"], [10, 4, 3, 2, 1])[
            0
        ]
        length = rng.choices([0, 1, 2, 4, 6], [6, 4, 2, 2, 1])[0]
        if kind == "in_lieu":
            length = 0
        if kind == "marriage":
            length = 9
        created = demo.moment((demo.today - start).days + rng.randrange(1, 10))
        values = {
            "employee": employee["id"],
            "kind": kind,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=length)).isoformat(),
            "reason": "家中有事 Family matters" if kind == "personal" or length >= 3 else None,
            "deputy": rng.choice([u for u in staff if u != person]),
        }
        if kind == "sick" and length >= 2:
            values["sick_note"] = demo.file("medical-certificate.pdf", "Medical certificate")
        submitted = demo.later(created, 0.1, 2)
        history = [("submit", "manager_review", person, submitted, None)]
        decided = demo.later(submitted, 0.5, 20)
        fate = rng.choices(["approved", "rejected", "withdrawn"], [17, 2, 1])[0]
        manager = managers[person]
        if fate == "rejected":
            history.append(("reject", "rejected", manager, decided, "项目上线期间，请改期。"))
        elif fate == "withdrawn":
            history.append(("withdraw", "draft", person, demo.later(submitted, 0.1, 3), None))
        elif length + 1 > 3:
            history.append(("approve", "hr_review", manager, decided, None))
            history.append(("approve", "approved", HR_MANAGER, demo.later(decided, 1, 20), None))
        else:
            history.append(("approve", "approved", manager, decided, None))
        if history[-1][1] == "approved":
            values["approved_on"] = history[-1][3].date().isoformat()
        loader.add("hr.leave_request", person, values, at=created, history=history)


def _overtime(demo, loader, employees, managers, staff) -> None:
    rng = demo.rng
    for _ in range(demo.n(260)):
        person = rng.choice(staff)
        moment = demo.moment(rng.uniform(2, 240), hour=18)
        hours = rng.choice([2, 2, 3, 4])
        compensation = rng.choice(["in_lieu", "in_lieu", "pay"])
        created = demo.later(moment, hours + 1, hours + 20)
        submitted = demo.later(created, 0.1, 1)
        decided = demo.later(submitted, 1, 30)
        history = [("submit", "manager_review", person, submitted, None)]
        if compensation == "pay":
            history.append(("approve", "hr_review", managers[person], decided, None))
            decided = demo.later(decided, 1, 20)
            history.append(("approve", "approved", HR_SPECIALIST, decided, None))
        else:
            history.append(("approve", "approved", managers[person], decided, None))
        loader.add(
            "hr.overtime_request",
            person,
            {
                "employee": employees[person]["id"],
                "day_type": "workday",
                "starts_at": moment.isoformat(),
                "ends_at": (moment + timedelta(hours=hours)).isoformat(),
                "compensation": compensation,
                "approved_on": decided.date().isoformat(),
                "reason": rng.choice(
                    [
                        "版本发布 Release night",
                        "月末结账 Month-end closing",
                        "客户现场支持 On-site support",
                        "盘点 Stocktake",
                    ]
                ),
            },
            at=created,
            history=history,
        )


def _corrections(demo, loader, employees, managers, staff) -> None:
    rng = demo.rng
    for _ in range(demo.n(240)):
        person = rng.choice(staff)
        created = demo.moment(rng.uniform(1, 240))
        day = created.date() - timedelta(days=rng.randrange(0, 4))
        submitted = demo.later(created, 0.05, 0.5)
        decided = demo.later(submitted, 1, 20)
        history = [
            ("submit", "manager_review", person, submitted, None),
            ("approve", "hr_review", managers[person], decided, None),
        ]
        if rng.random() < 0.1:
            history.append(
                (
                    "reject",
                    "rejected",
                    HR_SPECIALIST,
                    demo.later(decided, 1, 10),
                    "当天无外出记录。 No record of working outside that day.",
                )
            )
        else:
            history.append(("approve", "approved", HR_SPECIALIST, demo.later(decided, 1, 10), None))
        punch = rng.choice(["clock_in", "clock_out"])
        loader.add(
            "hr.attendance_correction",
            person,
            {
                "employee": employees[person]["id"],
                "work_date": day.isoformat(),
                "punch": punch,
                "corrected_time": f"08:5{rng.randrange(0, 9)}"
                if punch == "clock_in"
                else f"18:3{rng.randrange(0, 9)}",
                "reason": rng.choice(["forgot", "device", "outside", "business_trip"]),
            },
            at=created,
            history=history,
        )


def _new_hire(demo, loader, name: str, department: str, position: str, start, *, left=None) -> dict:
    return loader.add(
        "hr.employee",
        HR_SPECIALIST,
        {
            "name": name,
            "department": department,
            "position": position,
            "job_level": "P1",
            "employment_type": "full_time",
            "status": "left" if left else "onboarding",
            "hire_date": start.isoformat(),
            "leave_date": left.isoformat() if left else None,
            "probation_end": None if left else (start + timedelta(days=90)).isoformat(),
            "phone": f"+86 137{demo.rng.randrange(10000000, 99999999)}",
        },
        at=demo.moment(20),
        check_as=HR_MANAGER,
    )


def _checklists(demo, loader, employees) -> None:
    """Completed onboardings of earlier hires and a completed offboarding."""
    rng = demo.rng
    for person in ("luoyi", "tianye", "sunyue"):
        employee = employees[person]
        start = datetime.fromisoformat(f"{employee['hire_date']}T01:00:00+00:00")
        created = start - timedelta(days=7)
        t1 = created + timedelta(days=1)
        t2 = t1 + timedelta(days=2)
        t3 = t2 + timedelta(days=2)
        t4 = start + timedelta(days=1)
        loader.add(
            "hr.onboarding",
            HR_SPECIALIST,
            {
                "employee": employee["id"],
                "start_date": employee["hire_date"].isoformat(),
                "hiring_manager": "hanxue",
                "contract_signed_on": t2.date().isoformat(),
                "documents_checked_on": t2.date().isoformat(),
                "social_insurance": "enrolled",
                "account_name": person,
                "work_email": f"{person}@example.com",
                "equipment": ["laptop", "monitor", "badge"],
                "asset_tags": f"NB-{rng.randrange(1000, 9999)}",
                "buddy": "xiejie",
                "first_week_plan": "熟悉代码库和开发流程。 Learn the code base.",
                "completed_on": t4.date().isoformat(),
            },
            at=created,
            history=[  # HR, IT and the manager at the same time
                ("start", "onboarding", HR_SPECIALIST, t1, None),
                ("complete", "@join", HR_SPECIALIST, t2, None, "hr_prep"),
                ("complete", "@join", IT, t3, None, "it_setup"),
                ("complete", "@join", "hanxue", t4, None, "manager_welcome"),
                ("join", "completed", "hanxue", t4, None),
            ],
        )
    last = demo.today - timedelta(days=40)
    leaver = _new_hire(
        demo,
        loader,
        "孟凡 Meng Fan",
        "SALES-N",
        "销售代表 Sales rep",
        demo.today - timedelta(days=400),
        left=last,
    )
    created = demo.moment(60)
    steps = [demo.moment(55), demo.moment(45), demo.moment(41), demo.moment(38), demo.moment(36)]
    loader.add(
        "hr.offboarding",
        HR_SPECIALIST,
        {
            "employee": leaver["id"],
            "last_day": last.isoformat(),
            "reason": "resignation",
            "handover": [
                {"task": "客户名单交接 Customer list", "colleague": "zhangwei", "done": True}
            ],
            "handover_confirmed_on": steps[1].date().isoformat(),
            "accounts_disabled_on": steps[2].date().isoformat(),
            "equipment_returned": "NB-2231",
            "settled_on": steps[3].date().isoformat(),
            "certificate_issued_on": steps[4].date().isoformat(),
        },
        at=created,
        history=[
            ("start", "manager_handover", HR_SPECIALIST, steps[0], None),
            ("complete", "it_clearance", "lihua", steps[1], None),
            ("complete", "finance_settlement", IT, steps[2], None),
            ("complete", "hr_close", FINANCE, steps[3], None),
            ("complete", "completed", HR_MANAGER, steps[4], None),
        ],
    )
    hires = [
        ("郭晓 Guo Xiao", "RD", "前端工程师 Front-end engineer", "hanxue"),
        ("林悦 Lin Yue", "SALES-S", "销售代表 Sales rep", "lihua"),
        ("沈涛 Shen Tao", "WH", "仓管员 Keeper", "zhouqiang"),
        ("许诺 Xu Nuo", "FIN", "出纳 Cashier", "zhengyu"),
    ]
    demo.data["new_hires"] = [
        (
            _new_hire(
                demo, loader, name, department, position, demo.today + timedelta(days=7 + 3 * index)
            ),
            manager,
        )
        for index, (name, department, position, manager) in enumerate(hires)
    ]


def live(demo, live) -> None:
    employees = demo.data.get("employees")
    if not employees:
        return
    rng = demo.rng
    managers = {u[0]: u[3] for u in USERS}
    today = demo.today
    # Leave in every state; some manager approvals overdue (past the 1-day SLA).
    plans = [
        ("luoyi", "draft", 1),
        ("xiejie", "manager", 0),
        ("tianye", "manager", 0),
        ("panwei", "manager", 2),
        ("zhangwei", "manager", 1),
        ("wugang", "hr", 5),
        ("majun", "hr", 4),
        ("caihong", "approved", 0),
        ("liuyang", "approved_hr", 6),
        ("sunyue", "rejected", 1),
        ("heyan", "withdrawn", 0),
        ("linfeng", "cancelled", 0),
        ("qinfang", "sent_back", 1),
    ]
    for index, (person, plan, extra) in enumerate(plans):
        start = today + timedelta(days=3 + index)
        leave = live.create(
            person,
            "hr.leave_request",
            {
                "employee": employees[person]["id"],
                "kind": "annual" if plan != "approved_hr" else "personal",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=extra)).isoformat(),
                "reason": "回老家探亲 Visiting family"
                if extra >= 2 or plan == "approved_hr"
                else None,
                "deputy": rng.choice([u for u in managers if u != person and managers[u]]),
            },
        )
        if plan == "draft":
            continue
        live.act(person, "hr.leave_request", leave, "submit")
        manager = managers[person]
        if plan in ("hr", "approved_hr", "approved"):
            live.act(manager, "hr.leave_request", leave, "approve", comment="同意。")
        if plan == "approved_hr":
            live.act(HR_MANAGER, "hr.leave_request", leave, "approve")
        elif plan == "rejected":
            live.act(
                manager, "hr.leave_request", leave, "reject", comment="与版本发布冲突，请改期。"
            )
        elif plan == "withdrawn":
            live.act(person, "hr.leave_request", leave, "withdraw")
        elif plan == "cancelled":
            live.act(person, "hr.leave_request", leave, "cancel", comment="行程取消。")
        elif plan == "sent_back":
            live.act(
                manager, "hr.leave_request", leave, "send_back", comment="请写明工作交接安排。"
            )
        demo.overdue(
            "hr.leave_request", leave, [0, 0.1, 0.3, 2, 3, 2.5, 0.2, 1, 2, 1, 0, 0, 1][index]
        )
    # Overtime and attendance corrections waiting.
    for index, person in enumerate(["luoyi", "xiejie", "wugang", "zhengkai", "tangli"]):
        starts = demo.moment(index + 1, hour=19)
        record = live.create(
            person,
            "hr.overtime_request",
            {
                "employee": employees[person]["id"],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "compensation": "pay" if index % 2 else "in_lieu",
                "reason": "版本发布 Release night",
            },
        )
        live.act(person, "hr.overtime_request", record, "submit")
        if index == 1:
            live.act(managers[person], "hr.overtime_request", record, "approve")
        demo.overdue("hr.overtime_request", record, index * 1.2)
    for index, person in enumerate(["panwei", "tianye", "hulan", "liangyu"]):
        record = live.create(
            person,
            "hr.attendance_correction",
            {
                "employee": employees[person]["id"],
                "work_date": (today - timedelta(days=index + 1)).isoformat(),
                "punch": "clock_in",
                "corrected_time": "08:55",
                "reason": "device",
            },
        )
        live.act(person, "hr.attendance_correction", record, "submit")
        if index >= 2:
            live.act(managers[person], "hr.attendance_correction", record, "approve")
        demo.overdue("hr.attendance_correction", record, index)
    # Onboarding at each step of its checklist, and one offboarding under way.
    for index, (hire, manager) in enumerate(demo.data.get("new_hires", [])):
        record = live.create(
            HR_SPECIALIST,
            "hr.onboarding",
            {
                "employee": hire["id"],
                "start_date": hire["hire_date"].isoformat(),
                "hiring_manager": manager,
                "extra_tasks": [
                    {"task": "准备工牌照片 Badge photo", "owner": "tangli", "done": index > 2}
                ],
            },
        )
        if index == 0:
            continue
        live.act(HR_SPECIALIST, "hr.onboarding", record, "start")
        if index >= 2:
            live.act(
                HR_SPECIALIST,
                "hr.onboarding",
                record,
                "complete",
                values={
                    "contract_signed_on": today.isoformat(),
                    "documents_checked_on": today.isoformat(),
                    "social_insurance": "enrolled",
                },
            )
        if index >= 3:
            live.act(
                IT,
                "hr.onboarding",
                record,
                "complete",
                values={
                    "account_name": "xunuo",
                    "equipment": ["laptop", "badge"],
                    "asset_tags": "NB-3310",
                },
            )
        demo.overdue("hr.onboarding", record, [0, 0, 4, 1][index])
    leaver = employees["qinfang"]
    record = live.create(
        HR_SPECIALIST,
        "hr.offboarding",
        {
            "employee": leaver["id"],
            "last_day": (today + timedelta(days=20)).isoformat(),
            "reason": "resignation",
            "handover": [
                {"task": "客户交接 Customers", "colleague": "chenjing", "done": False},
                {"task": "在途报价单 Open quotations", "colleague": "liuyang", "done": False},
            ],
        },
    )
    live.act(HR_SPECIALIST, "hr.offboarding", record, "start")
    demo.overdue("hr.offboarding", record, 1)
