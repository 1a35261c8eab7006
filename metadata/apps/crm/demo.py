"""CRM demo data: customers and contacts, leads in every stage of qualification,
follow-ups, opportunities and quotations (approved at once, by a manager, by the
director, rejected, and some waiting)."""

from __future__ import annotations

from datetime import timedelta

REPS = ["wangfang", "zhangwei", "huangmin", "chenjing", "liuyang", "qinfang"]
MANAGER = "lihua"
DIRECTOR = "zhaoming"

PREFIXES = [
    "华信",
    "远航",
    "星辰",
    "蓝海",
    "恒通",
    "瑞丰",
    "天工",
    "博雅",
    "金桥",
    "鼎盛",
    "宏达",
    "嘉禾",
    "新源",
    "中科",
    "东方",
    "明德",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
]
SUFFIXES = [
    "科技有限公司",
    "贸易有限公司",
    "制造有限公司",
    "医疗器械有限公司",
    "教育咨询有限公司",
    " Ltd.",
    " Inc.",
    " GmbH",
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "苏州", "天津"]
INDUSTRIES = [
    "manufacturing",
    "retail",
    "technology",
    "finance",
    "healthcare",
    "education",
    "government",
    "other",
]
PEOPLE = [
    "赵敏",
    "钱进",
    "孙丽",
    "周强",
    "吴磊",
    "郑爽",
    "王海",
    "冯雪",
    "陈晨",
    "褚卫",
    "Anna Smith",
    "Tom Lee",
    "Maria Garcia",
    "Kenji Sato",
]
POSITIONS = ["采购经理", "IT 总监", "总经理", "财务经理", "运营主管", "Purchasing manager", "CTO"]
OFFERS = [
    ("ERP 授权 ERP licence", "12000.00"),
    ("实施服务（人天）Implementation day", "1800.00"),
    ("年度维护 Annual support", "3600.00"),
    ("培训（天）Training day", "1500.00"),
    ("条码扫描枪 Barcode scanner", "450.00"),
    ("服务器 Server", "28000.00"),
]
LIMITS = [50, 100, 200, 300, 500, 800, 1000, 2000]  # thousands
DISTRICTS = ["朝阳", "浦东", "天河", "南山", "西湖"]
PROJECTS = ["新系统", "Upgrade", "扩容", "Renewal"]
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]


def bulk(demo, loader) -> None:
    if not loader.has("crm.customer"):
        return
    rng = demo.rng
    customers = []
    for index in range(demo.data["customers_wanted"]):
        owner = rng.choice(REPS)
        created = demo.moment(rng.uniform(60, 400))
        name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {index + 1:03d}"
        customer = loader.add(
            "crm.customer",
            owner,
            {
                "name": name,
                "code": f"C{index + 1:04d}",
                "industry": rng.choice(INDUSTRIES),
                "level": rng.choices(["A", "B", "C"], [2, 5, 3])[0],
                "credit_limit": f"{rng.choice(LIMITS) * 1000}.00",
                "phone": f"+86 {rng.choice(['10', '21', '20', '755', '571'])} "
                f"{rng.randrange(5000, 9999)} {rng.randrange(1000, 9999)}",
                "email": f"info{index + 1}@example.com",
                "owner": owner,
                "address": f"{rng.choice(CITIES)}市{rng.choice(DISTRICTS)}区"
                f"{rng.randrange(1, 300)}号",
                "rating": rng.randint(2, 5),
                "active": rng.random() > 0.05,
            },
            at=created,
            check_as=MANAGER,
        )
        customers.append(customer)
        contacts = []
        for number in range(rng.choice([1, 1, 2, 3])):
            contacts.append(
                loader.add(
                    "crm.contact",
                    owner,
                    {
                        "customer": customer["id"],
                        "name": rng.choice(PEOPLE),
                        "position": rng.choice(POSITIONS),
                        "mobile": f"+86 13{rng.randrange(100000000, 999999999)}",
                        "email": f"person{index + 1}.{number}@example.com",
                        "is_primary": number == 0,
                    },
                    at=demo.later(created, 1, 200),
                )
            )
        customer["contacts"] = contacts
    demo.data["customers"] = [c for c in customers if c.get("active")]
    _leads(demo, loader)
    _followups(demo, loader, customers)
    _opportunities(demo, loader, customers)
    _quotations(demo, loader, customers)


def _lead_values(demo, index: int) -> dict:
    rng = demo.rng
    return {
        "company": f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} L{index:03d}",
        "contact_name": rng.choice(PEOPLE),
        "position": rng.choice(POSITIONS),
        "phone": f"+86 13{rng.randrange(100000000, 999999999)}",
        "email": f"lead{index}@example.com",
        "source": rng.choice(
            ["website", "referral", "trade_show", "cold_call", "advertising", "partner"]
        ),
        "industry": rng.choice(INDUSTRIES),
        "city": rng.choice(CITIES),
        "need": rng.choice(
            [
                "替换旧 ERP 系统 Replace the old ERP",
                "仓库扫码管理 Barcode warehouse",
                "多门店库存 Multi-store stock",
                "审批流程线上化 Paperless approvals",
            ]
        ),
        "budget": f"{rng.choice([8, 20, 50, 80, 150, 300])}000.00",
        "expected_purchase": (demo.today + timedelta(days=rng.randrange(10, 200))).isoformat(),
        "rating": rng.randint(1, 5),
    }


def _leads(demo, loader) -> None:
    rng = demo.rng
    for index in range(demo.n(240)):
        owner = rng.choice(REPS)
        created = demo.moment(rng.uniform(3, 200))
        values = _lead_values(demo, index)
        fate = rng.choices(["new", "qualified", "disqualified", "dropped"], [3, 4, 2, 1])[0]
        history = []
        if fate in ("qualified", "disqualified"):
            submitted = demo.later(created, 2, 100)
            history.append(("submit", "review", owner, submitted, None))
            decided = demo.later(submitted, 1, 40)
            if fate == "qualified":
                values["customer"] = rng.choice(demo.data["customers"])["id"]
                values["qualified_on"] = decided.date().isoformat()
                history.append(("approve", "qualified", MANAGER, decided, "需求明确，转客户。"))
            else:
                values["disqualify_reason"] = rng.choice(["no_budget", "no_need", "competitor"])
                history.append(
                    (
                        "disqualify",
                        "disqualified",
                        MANAGER,
                        decided,
                        "暂无预算 No budget this year.",
                    )
                )
        elif fate == "dropped":
            values["disqualify_reason"] = rng.choice(["unreachable", "duplicate"])
            history.append(("drop", "disqualified", owner, demo.later(created, 24, 300), None))
        # a qualified lead's customer is linked by the manager who approves it
        checker = MANAGER if fate == "qualified" else None
        loader.add("crm.lead", owner, {**values, "owner": owner}, at=created, history=history,
                   check_as=checker)


def _followups(demo, loader, customers) -> None:
    rng = demo.rng
    results = [
        "介绍了产品演示，客户有兴趣。 Demo went well.",
        "客户要求提供报价。 Asked for a quote.",
        "讨论了实施周期。 Discussed the rollout plan.",
        "客户预算需审批。 Budget pending.",
        "电话无人接听。 No answer.",
    ]
    for _ in range(demo.n(1200)):
        customer = rng.choice(customers)
        owner = customer["owner"]
        at = demo.moment(rng.uniform(0, 180))
        contact = rng.choice(customer["contacts"]) if customer["contacts"] else None
        next_step = rng.random() < 0.4
        loader.add(
            "crm.followup",
            owner,
            {
                "subject": rng.choice(
                    [
                        "电话回访 Call",
                        "上门拜访 Visit",
                        "方案交流 Workshop",
                        "催款沟通 Payment follow-up",
                        "需求调研 Discovery",
                    ]
                ),
                "method": rng.choice(["call", "visit", "meeting", "email", "wechat"]),
                "followed_at": at.isoformat(),
                "customer": customer["id"],
                "contact": contact["id"] if contact else None,
                "result": rng.choice(results),
                "next_step": "发送方案 Send the proposal" if next_step else None,
                "next_date": (demo.today + timedelta(days=rng.randrange(1, 30))).isoformat()
                if next_step
                else None,
                "owner": owner,
            },
            at=at,
        )


def _lines(demo, count_range=(1, 4)) -> list[dict]:
    rng = demo.rng
    return [
        {
            "product": product,
            "quantity": str(rng.randrange(1, 10)),
            "unit_price": price,
            "discount": str(rng.choice([0, 0, 5, 10])),
        }
        for product, price in rng.sample(OFFERS, rng.randrange(*count_range))
    ]


def _opportunities(demo, loader, customers) -> None:
    rng = demo.rng
    opportunities = []
    for customer in rng.sample(customers, min(len(customers), demo.n(300))):
        for _ in range(rng.choice([1, 1, 2])):
            stage = rng.choice(STAGES)
            created = demo.later(customer["_created_at"], 24, 2000)
            opportunities.append(
                loader.add(
                    "crm.opportunity",
                    customer["owner"],
                    {
                        "name": f"{customer['name'][:40]} · {rng.choice(PROJECTS)}",
                        "customer": customer["id"],
                        "stage": stage,
                        "probability": str(
                            {
                                "prospecting": 10,
                                "qualification": 25,
                                "proposal": 50,
                                "negotiation": 75,
                                "won": 100,
                                "lost": 0,
                            }[stage]
                        ),
                        "expected_close": (
                            demo.today + timedelta(days=rng.randrange(-60, 120))
                        ).isoformat(),
                        "owner": customer["owner"],
                        "lines": _lines(demo),
                        **({"lost_reason": "预算不足 Budget cut"} if stage == "lost" else {}),
                    },
                    at=created,
                )
            )
    demo.data["opportunities"] = opportunities


def quotation_values(demo, customer, discount: int) -> dict:
    rng = demo.rng
    return {
        "subject": rng.choice(
            [
                "ERP 项目报价 ERP project",
                "年度维护续约 Support renewal",
                "扫码设备采购 Scanner purchase",
                "实施服务 Implementation",
            ]
        ),
        "customer": customer["id"],
        "contact": customer["contacts"][0]["id"] if customer["contacts"] else None,
        "owner": customer["owner"],
        "lines": [
            {
                "product": product,
                "quantity": str(rng.randrange(1, 8)),
                "list_price": price,
                "discount": str(discount),
            }
            for product, price in rng.sample(OFFERS, rng.randrange(1, 4))
        ],
    }


def _quotations(demo, loader, customers) -> None:
    rng = demo.rng
    for _ in range(demo.n(180)):
        customer = rng.choice(customers)
        owner = customer["owner"]
        created = demo.moment(rng.uniform(5, 150))
        discount = rng.choice([0, 5, 8, 12, 15, 18, 25, 30])
        values = quotation_values(demo, customer, discount)
        values["quote_date"] = created.date().isoformat()
        values["valid_until"] = (created.date() + timedelta(days=30)).isoformat()
        submitted = demo.later(created, 0.5, 48)
        history = []
        if discount <= 10:
            history.append(("submit", "approved", owner, submitted, None))
        else:
            history.append(("submit", "manager_review", owner, submitted, None))
            decided = demo.later(submitted, 1, 30)
            if rng.random() < 0.15:
                history.append(
                    ("reject", "rejected", MANAGER, decided, "折扣过高 Discount too deep.")
                )
            elif discount > 20:
                history.append(("approve", "director_review", MANAGER, decided, None))
                history.append(
                    (
                        "approve",
                        "approved",
                        DIRECTOR,
                        demo.later(decided, 2, 50),
                        "战略客户，同意。",
                    )
                )
            else:
                history.append(("approve", "approved", MANAGER, decided, None))
        if history[-1][1] == "approved":
            values["approved_on"] = history[-1][3].date().isoformat()
        loader.add("crm.quotation", owner, values, at=created, history=history)


def live(demo, live) -> None:
    if "customers" not in demo.data:
        return
    rng = demo.rng
    customers = demo.data["customers"]
    # Leads: new, waiting for qualification (some overdue), qualified, disqualified.
    for index, fate in enumerate(
        [
            "new",
            "new",
            "review",
            "review",
            "review",
            "review",
            "qualified",
            "disqualified",
            "sent_back",
        ]
    ):
        owner = REPS[index % len(REPS)]
        lead = live.create(owner, "crm.lead", {**_lead_values(demo, 900 + index), "owner": owner})
        if fate == "new":
            continue
        live.act(owner, "crm.lead", lead, "submit")
        if fate == "qualified":
            live.act(
                MANAGER,
                "crm.lead",
                lead,
                "approve",
                comment="预算已确认 Budget confirmed.",
                values={"customer": rng.choice(customers)["id"]},
            )
        elif fate == "disqualified":
            live.act(
                MANAGER,
                "crm.lead",
                lead,
                "disqualify",
                comment="已选竞品。",
                values={"disqualify_reason": "competitor"},
            )
        elif fate == "sent_back":
            live.act(MANAGER, "crm.lead", lead, "send_back", comment="请补充联系人职务和预算来源。")
        demo.overdue("crm.lead", lead, rng.choice([0.2, 1, 3, 5]))
    # Quotations in every state of the discount approval.
    plans = [
        "draft",
        "auto",
        "manager",
        "manager",
        "manager",
        "director",
        "director",
        "approved_by_manager",
        "approved_by_director",
        "rejected",
        "withdrawn",
        "cancelled",
    ]
    for index, plan in enumerate(plans):
        customer = customers[(index * 7) % len(customers)]
        owner = customer["owner"]
        discount = {
            "auto": 5,
            "manager": 15,
            "approved_by_manager": 12,
            "rejected": 18,
            "withdrawn": 15,
            "cancelled": 15,
            "draft": 10,
        }.get(plan, 25)
        quote = live.create(owner, "crm.quotation", quotation_values(demo, customer, discount))
        if plan == "draft":
            continue
        live.act(owner, "crm.quotation", quote, "submit")
        if plan in ("director", "approved_by_director"):
            live.act(MANAGER, "crm.quotation", quote, "approve", comment="同意，请总监审批。")
        if plan == "approved_by_manager":
            live.act(MANAGER, "crm.quotation", quote, "approve")
        elif plan == "approved_by_director":
            live.act(DIRECTOR, "crm.quotation", quote, "approve", comment="同意。")
        elif plan == "rejected":
            live.act(MANAGER, "crm.quotation", quote, "reject", comment="折扣超出授权范围。")
        elif plan == "withdrawn":
            live.act(owner, "crm.quotation", quote, "withdraw", comment="客户调整了数量。")
        elif plan == "cancelled":
            live.act(owner, "crm.quotation", quote, "cancel", comment="客户取消询价。")
        demo.overdue("crm.quotation", quote, rng.choice([0.1, 0.5, 2, 4]))
    # A deal won just now: the inventory app's automation drafts its sales order.
    customer = customers[0]
    live.create(customer["owner"], "crm.opportunity", {
        "name": f"{customer['name'][:40]} · {rng.choice(PROJECTS)}",
        "customer": customer["id"],
        "stage": "won",
        "probability": "100",
        "expected_close": demo.today.isoformat(),
        "owner": customer["owner"],
        "lines": _lines(demo),
    })
