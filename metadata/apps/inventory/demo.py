"""Purchasing, sales and inventory demo data: suppliers, a catalogue of products, purchase
orders approved by amount and sales orders within the customers' credit limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

PURCHASERS = ["majun", "hulan"]
PURCHASE_MANAGER = "sunli"
GENERAL_MANAGER = "zhaoming"
SALES_MANAGER = "lihua"

CATALOGUE = {
    # category: [(code, name, unit, purchase price)]
    "electronics": [
        ("MS", "无线鼠标 Wireless mouse", "pcs", 45),
        ("KB", "机械键盘 Mechanical keyboard", "pcs", 180),
        ("MON", "27 英寸显示器 27-inch monitor", "unit", 980),
        ("SCN", "扫码枪 Barcode scanner", "unit", 260),
        ("LBP", "标签打印机 Label printer", "unit", 720),
        ("DOCK", "USB-C 扩展坞 USB-C dock", "pcs", 210),
        ("RT", "千兆路由器 Gigabit router", "unit", 330),
    ],
    "accessories": [
        ("CBL", "USB-C 数据线 USB-C cable", "pcs", 12),
        ("HDMI", "HDMI 线 HDMI cable", "pcs", 18),
        ("PWR", "电源适配器 Power adapter", "pcs", 55),
        ("PAD", "鼠标垫 Mouse pad", "pcs", 8),
    ],
    "office": [
        ("A4", "A4 复印纸 A4 paper", "box", 120),
        ("PEN", "签字笔 Gel pen", "box", 24),
        ("FLD", "文件夹 Folder", "pack", 15),
        ("STP", "订书机 Stapler", "pcs", 22),
    ],
    "furniture": [
        ("CHR", "人体工学椅 Ergonomic chair", "pcs", 680),
        ("DSK", "升降桌 Standing desk", "pcs", 1450),
        ("CAB", "文件柜 Filing cabinet", "pcs", 520),
    ],
    "raw_material": [
        ("ALU", "铝型材 Aluminium profile", "m", 28),
        ("SS", "不锈钢板 Stainless sheet", "kg", 19),
        ("ABS", "ABS 塑料粒子 ABS pellets", "kg", 14),
    ],
    "packaging": [
        ("BOX", "五层纸箱 Carton", "pcs", 4),
        ("BUB", "气泡膜 Bubble wrap", "roll", 36),
        ("TAPE", "封箱胶带 Packing tape", "roll", 5),
    ],
    "spare_parts": [
        ("BRG", "轴承 6204 Bearing 6204", "pcs", 9),
        ("BELT", "传动皮带 Drive belt", "pcs", 65),
        ("RLY", "继电器 Relay", "pcs", 16),
    ],
}
VARIANTS = [
    ("BK", "黑 Black"),
    ("WH", "白 White"),
    ("S", "小号 S"),
    ("M", "中号 M"),
    ("L", "大号 L"),
    ("V2", "二代 V2"),
    ("PRO", "专业版 Pro"),
    ("ECO", "经济型 Eco"),
    ("XL", "加大 XL"),
    ("GR", "灰 Grey"),
    ("BL", "蓝 Blue"),
    ("RD", "红 Red"),
    ("V3", "三代 V3"),
    ("MINI", "迷你 Mini"),
]
SUPPLIERS = [
    "深圳华强电子",
    "东莞精工制造",
    "宁波包装材料",
    "上海办公用品",
    "苏州精密零件",
    "佛山家具",
    "杭州数码科技",
    "天津金属材料",
    "广州物流服务",
    "青岛橡胶制品",
    "厦门电子元件",
    "无锡机械配件",
]


def bulk(demo, loader) -> None:
    if not loader.has("inventory.product"):
        return
    rng = demo.rng
    suppliers = []
    for index in range(demo.n(40)):
        name = f"{SUPPLIERS[index % len(SUPPLIERS)]}有限公司" + (
            f" {index // len(SUPPLIERS) + 1}号" if index >= len(SUPPLIERS) else ""
        )
        category = rng.choice(
            ["electronics", "components", "raw_material", "packaging", "office", "logistics"]
        )
        suppliers.append(
            loader.add(
                "inventory.supplier",
                PURCHASE_MANAGER,
                {
                    "name": name,
                    "code": f"S{index + 1:03d}",
                    "category": category,
                    "contact_name": rng.choice(["刘经理", "陈总", "王小姐", "Mr. Wong"]),
                    "phone": f"+86 {rng.choice(['755', '769', '574', '21'])} "
                    f"{rng.randrange(5000, 9999)} {rng.randrange(1000, 9999)}",
                    "email": f"sales@supplier{index + 1}.example.com",
                    "tax_id": f"91{rng.randrange(10**14, 10**15)}X",
                    "payment_terms": rng.choice(["prepaid", "net30", "net30", "net60", "net90"]),
                    "bank_name": rng.choice(["中国工商银行", "招商银行", "中国建设银行"]),
                    "bank_account": " ".join(
                        ["6222", *(str(rng.randrange(1000, 9999)) for _ in range(3))]
                    ),
                    "rating": rng.randint(2, 5),
                },
                at=demo.moment(rng.uniform(300, 500)),
            )
        )
    demo.data["suppliers"] = suppliers
    products = []
    wanted = demo.n(300)
    bases = [(c, item) for c, items in CATALOGUE.items() for item in items]
    for index in range(wanted):
        category, (code, name, unit, cost) = bases[index % len(bases)]
        variant_code, variant = VARIANTS[(index // len(bases)) % len(VARIANTS)]
        cost = Decimal(cost) * Decimal(rng.choice([90, 100, 110, 125])) / 100
        level = rng.choice([0, 10, 20, 50, 100])
        products.append(
            loader.add(
                "inventory.product",
                PURCHASE_MANAGER,
                {
                    "name": f"{name} · {variant}",
                    "sku": f"{code}-{variant_code}-{index + 1:03d}",
                    "barcode": f"69{rng.randrange(10**10, 10**11)}",
                    "category": category,
                    "brand": rng.choice(["Formflow", "华工", "优选", "Deli", "Logi"]),
                    "unit": unit,
                    "purchase_price": f"{cost:.2f}",
                    "price": f"{cost * Decimal(rng.choice([130, 145, 160, 180])) / 100:.2f}",
                    "reorder_level": str(level),
                    "reorder_qty": str(level * 3) if level else None,
                    "lead_time_days": rng.choice([3, 7, 14, 30]),
                    "default_supplier": rng.choice(suppliers)["id"],
                },
                at=demo.moment(rng.uniform(250, 400)),
            )
        )
    demo.data["products"] = products
    _purchase_orders(demo, loader)
    _sales_orders(demo, loader)


def purchase_lines(demo, count=(1, 5), quantity=(20, 300)) -> list[dict]:
    rng = demo.rng
    return [
        {
            "product": p["id"],
            "quantity": str(rng.randrange(*quantity)),
            "unit_price": f"{p['purchase_price']:.2f}",
        }
        for p in rng.sample(demo.data["products"], rng.randrange(*count))
    ]


def _purchase_orders(demo, loader) -> None:
    rng = demo.rng
    warehouses = demo.data.get("warehouses") or []
    orders = []
    for _ in range(demo.n(260)):
        buyer = rng.choice(PURCHASERS)
        created = demo.moment(rng.uniform(3, 180))
        lines = purchase_lines(demo)
        total = sum(Decimal(x["quantity"]) * Decimal(x["unit_price"]) for x in lines) * Decimal(
            "1.13"
        )
        fate = rng.choices(["approved", "rejected", "draft"], [17, 2, 1])[0]
        history = []
        if fate != "draft":
            submitted = demo.later(created, 0.2, 8)
            history.append(("submit", "manager_review", buyer, submitted, None))
            decided = demo.later(submitted, 1, 30)
            if fate == "rejected":
                history.append(
                    (
                        "reject",
                        "rejected",
                        PURCHASE_MANAGER,
                        decided,
                        "价格高于上次采购 Price above the last order.",
                    )
                )
            elif total > 100000:
                history.append(("approve", "gm_review", PURCHASE_MANAGER, decided, None))
                history.append(
                    ("approve", "approved", GENERAL_MANAGER, demo.later(decided, 2, 40), None)
                )
            else:
                history.append(("approve", "approved", PURCHASE_MANAGER, decided, None))
        order = loader.add(
            "inventory.purchase_order",
            buyer,
            {
                "supplier": rng.choice(demo.data["suppliers"])["id"],
                "order_date": created.date().isoformat(),
                "expected_date": (
                    created.date() + timedelta(days=rng.randrange(3, 20))
                ).isoformat(),
                "warehouse": rng.choice(warehouses[:3])["id"],
                "buyer": buyer,
                "lines": lines,
                **(
                    {"approved_on": history[-1][3].date().isoformat()} if fate == "approved" else {}
                ),
            },
            at=created,
            history=history,
        )
        order["approved_at"] = history[-1][3] if fate == "approved" else None
        orders.append(order)
    demo.data["purchase_orders"] = orders


def sales_lines(demo, limit: Decimal, count=(1, 4), quantity=(1, 25)) -> list[dict]:
    """Lines for a sales order whose total stays within ``limit``."""
    rng = demo.rng
    lines, total = [], Decimal(0)
    for product in rng.sample(demo.data["products"], rng.randrange(*count)):
        qty = rng.randrange(*quantity)
        discount = rng.choice([0, 0, 5, 10])
        price = product["price"]
        while qty > 1 and total + qty * price * (100 - discount) / 100 > limit:
            qty //= 2
        amount = qty * price * (100 - discount) / 100
        if total + amount > limit:
            break
        total += amount
        lines.append(
            {
                "product": product["id"],
                "quantity": str(qty),
                "unit_price": f"{price:.2f}",
                "discount": str(discount),
            }
        )
    return lines


def _sales_orders(demo, loader) -> None:
    rng = demo.rng
    customers = [c for c in demo.data.get("customers", []) if c.get("credit_limit")]
    if not customers:
        return
    warehouses = demo.data.get("warehouses") or []
    orders = []
    for _ in range(demo.n(420)):
        customer = rng.choice(customers)
        seller = customer["owner"]
        created = demo.moment(rng.uniform(2, 170))
        lines = sales_lines(demo, customer["credit_limit"] * Decimal("0.95"))
        if not lines:
            continue
        total = sum(
            Decimal(x["quantity"]) * Decimal(x["unit_price"]) * (100 - Decimal(x["discount"])) / 100
            for x in lines
        )
        fate = rng.choices(["approved", "rejected", "draft"], [18, 1, 1])[0]
        history = []
        if fate != "draft":
            submitted = demo.later(created, 0.2, 6)
            history.append(("submit", "manager_review", seller, submitted, None))
            decided = demo.later(submitted, 0.5, 20)
            if fate == "rejected":
                history.append(
                    (
                        "reject",
                        "rejected",
                        SALES_MANAGER,
                        decided,
                        "交期无法满足 Delivery date not feasible.",
                    )
                )
            elif total > 200000:
                history.append(("approve", "gm_review", SALES_MANAGER, decided, None))
                history.append(
                    ("approve", "approved", GENERAL_MANAGER, demo.later(decided, 1, 30), None)
                )
            else:
                history.append(("approve", "approved", SALES_MANAGER, decided, None))
        contact = customer["contacts"][0]["id"] if customer["contacts"] else None
        order = loader.add(
            "inventory.sales_order",
            seller,
            {
                "customer": customer["id"],
                "contact": contact,
                "customer_po": f"PO{rng.randrange(100000, 999999)}",
                "order_date": created.date().isoformat(),
                "delivery_date": (
                    created.date() + timedelta(days=rng.randrange(2, 15))
                ).isoformat(),
                "salesperson": seller,
                "warehouse": rng.choice(warehouses[:3])["id"],
                "shipping_address": customer.get("address"),
                "lines": lines,
                **(
                    {"approved_on": history[-1][3].date().isoformat()} if fate == "approved" else {}
                ),
            },
            at=created,
            history=history,
        )
        order["approved_at"] = history[-1][3] if fate == "approved" else None
        orders.append(order)
    demo.data["sales_orders"] = orders


def live(demo, live) -> None:
    if "products" not in demo.data:
        return
    rng = demo.rng
    warehouses = demo.data.get("warehouses") or []
    suppliers = demo.data["suppliers"]
    plans = [
        "draft",
        "manager",
        "manager",
        "manager",
        "gm",
        "gm",
        "approved",
        "approved_gm",
        "rejected",
        "sent_back",
        "withdrawn",
        "cancelled",
    ]
    live_orders = []
    for index, plan in enumerate(plans):
        buyer = PURCHASERS[index % 2]
        big = plan in ("gm", "approved_gm")
        lines = purchase_lines(demo, count=(2, 4), quantity=(400, 900) if big else (10, 60))
        if big:  # make sure it is above the general manager's threshold
            lines[0]["unit_price"] = "500.00"
        order = live.create(
            buyer,
            "inventory.purchase_order",
            {
                "supplier": rng.choice(suppliers)["id"],
                "expected_date": (demo.today + timedelta(days=rng.randrange(3, 15))).isoformat(),
                "warehouse": rng.choice(warehouses[:3])["id"],
                "buyer": buyer,
                "lines": lines,
                "notes": "补货 Replenishment" if index % 3 else None,
            },
        )
        if plan == "draft":
            continue
        live.act(buyer, "inventory.purchase_order", order, "submit")
        if plan in ("gm", "approved_gm", "approved"):
            live.act(PURCHASE_MANAGER, "inventory.purchase_order", order, "approve")
        if plan == "approved_gm":
            live.act(
                GENERAL_MANAGER, "inventory.purchase_order", order, "approve", comment="同意。"
            )
        elif plan == "rejected":
            live.act(
                PURCHASE_MANAGER,
                "inventory.purchase_order",
                order,
                "reject",
                comment="请先比价三家供应商。 Get three quotes first.",
            )
        elif plan == "sent_back":
            live.act(
                PURCHASE_MANAGER,
                "inventory.purchase_order",
                order,
                "send_back",
                comment="到货日期太晚。 Delivery is too late.",
            )
        elif plan == "withdrawn":
            live.act(buyer, "inventory.purchase_order", order, "withdraw")
        elif plan == "cancelled":
            live.act(buyer, "inventory.purchase_order", order, "cancel", comment="需求取消。")
        demo.overdue("inventory.purchase_order", order, rng.choice([0.2, 1, 2, 4, 6]))
        live_orders.append(order)
    demo.data["live_purchase_orders"] = live_orders
    customers = [c for c in demo.data.get("customers", []) if c.get("credit_limit")]
    for index, plan in enumerate(
        ["draft", "manager", "manager", "manager", "gm", "approved", "rejected", "withdrawn"]
    ):
        customer = customers[(index * 11) % len(customers)]
        seller = customer["owner"]
        limit = customer["credit_limit"]
        if plan == "gm":
            customer = max(customers, key=lambda c: c["credit_limit"])
            seller, limit = customer["owner"], customer["credit_limit"]
        lines = sales_lines(demo, limit * Decimal("0.9"), quantity=(1, 10))
        if plan == "gm":
            lines = [
                {
                    "product": demo.data["products"][0]["id"],
                    "quantity": "1",
                    "unit_price": f"{min(limit * Decimal('0.9'), Decimal(250000)):.2f}",
                }
            ]
        order = live.create(
            seller,
            "inventory.sales_order",
            {
                "customer": customer["id"],
                "delivery_date": (demo.today + timedelta(days=rng.randrange(3, 12))).isoformat(),
                "salesperson": seller,
                "warehouse": warehouses[index % 3]["id"],
                "lines": lines,
            },
        )
        if plan == "draft":
            continue
        live.act(seller, "inventory.sales_order", order, "submit")
        if plan in ("gm", "approved"):
            live.act(SALES_MANAGER, "inventory.sales_order", order, "approve")
        if plan == "rejected":
            live.act(
                SALES_MANAGER,
                "inventory.sales_order",
                order,
                "reject",
                comment="客户有逾期应收款。",
            )
        elif plan == "withdrawn":
            live.act(seller, "inventory.sales_order", order, "withdraw")
        demo.overdue("inventory.sales_order", order, rng.choice([0.1, 1, 3, 5]))
