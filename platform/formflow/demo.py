"""Demo company: departments, users across roles, and CRM records created through the
records service (so numbering, computed totals and validation all run as in real use).

Loading twice is harmless: the data is loaded once, the logins are printed every time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from formflow.auth import create_department, create_user, get_user_by_name
from formflow.install import install
from formflow.runtime import Runtime

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed for the demo sign-in, by design
ADMIN_PASSWORD = "admin12345"  # noqa: S105 - printed for the demo sign-in, by design

DEPARTMENTS = [
    ("HQ", "总部 Headquarters", None),
    ("SALES", "销售部 Sales", "HQ"),
    ("SALES-N", "华北销售 Sales North", "SALES"),
    ("SALES-S", "华南销售 Sales South", "SALES"),
]
USERS = [
    # name, display name, department, manager, roles
    ("lihua", "李华 Li Hua", "SALES", None, ["sales_manager"]),
    ("wangfang", "王芳 Wang Fang", "SALES-N", "lihua", ["sales_rep"]),
    ("zhangwei", "张伟 Zhang Wei", "SALES-N", "lihua", ["sales_rep"]),
    ("chenjing", "陈静 Chen Jing", "SALES-S", "lihua", ["sales_rep"]),
    ("liuyang", "刘洋 Liu Yang", "SALES-S", "lihua", ["sales_rep"]),
]
COMPANIES = [
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
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
]
SUFFIXES = ["科技有限公司", "贸易有限公司", "制造有限公司", " Ltd.", " Inc.", " GmbH"]
PRODUCTS = [
    ("ERP 授权 ERP licence", "12000.00"),
    ("实施服务 Implementation", "800.00"),
    ("年度维护 Annual support", "3600.00"),
    ("培训 Training day", "1500.00"),
    ("硬件 Scanner", "450.00"),
]
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]


def load_demo(
    runtime: Runtime, *, customers: int = 60, seed: int = 7
) -> list[tuple[str, str, str]]:
    """Install, create the demo company once, and return (user, password, role) logins."""
    install(runtime, ADMIN_PASSWORD)
    with runtime.db.write() as conn:
        fresh = get_user_by_name(conn, USERS[0][0]) is None
        if fresh:
            for code, name, parent in DEPARTMENTS:
                create_department(conn, code, name, parent=parent)
            for username, display, department, manager, roles in USERS:
                create_user(
                    conn,
                    username,
                    DEMO_PASSWORD,
                    display_name=display,
                    roles=roles,
                    department=department,
                    manager=manager,
                    known_roles=runtime.model.roles,
                )
    if fresh and runtime.model.entity("crm.customer") is not None:
        _load_crm(runtime, random.Random(seed), customers)
    return [("admin", ADMIN_PASSWORD, "administrator / 管理员")] + [
        (u[0], DEMO_PASSWORD, f"{', '.join(u[4])} / {u[1]}") for u in USERS
    ]


def _load_crm(runtime: Runtime, rng: random.Random, count: int) -> None:
    records = runtime.records
    with runtime.db.read() as conn:
        manager = get_user_by_name(conn, USERS[0][0])
        reps = [get_user_by_name(conn, u[0]) for u in USERS if "sales_rep" in u[4]]
    for index in range(count):
        owner = rng.choice(reps)
        name = f"{rng.choice(COMPANIES)}{rng.choice(SUFFIXES)} {index + 1}"
        customer = records.create(
            owner,
            "crm.customer",
            {
                "name": name,
                "code": f"C{index + 1:04d}",
                "industry": rng.choice(
                    ["manufacturing", "retail", "technology", "finance", "healthcare", "education"]
                ),
                "level": rng.choice(["A", "B", "C"]),
                "phone": f"+86 10 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
                "email": f"contact{index + 1}@example.com",
            },
        )
        records.update(
            manager,
            "crm.customer",
            customer["id"],
            {"credit_limit": f"{rng.randrange(5, 200) * 1000}.00"},
        )
        records.create(
            owner,
            "crm.contact",
            {
                "customer": customer["id"],
                "name": rng.choice(["赵敏", "钱进", "孙丽", "周强", "Anna Smith", "Tom Lee"]),
                "email": f"person{index + 1}@example.com",
                "is_primary": True,
            },
        )
        for _ in range(rng.randrange(0, 3)):
            stage = rng.choice(STAGES)
            lines = [
                {
                    "product": product,
                    "quantity": str(rng.randrange(1, 10)),
                    "unit_price": price,
                    "discount": str(rng.choice([0, 0, 5, 10])),
                }
                for product, price in rng.sample(PRODUCTS, rng.randrange(1, 4))
            ]
            records.create(
                owner,
                "crm.opportunity",
                {
                    "name": f"{name} · {rng.choice(['新系统', 'Upgrade', '扩容', 'Renewal'])}",
                    "customer": customer["id"],
                    "stage": stage,
                    "probability": str(rng.choice([10, 25, 50, 75, 90])),
                    "expected_close": (
                        date.today() + timedelta(days=rng.randrange(5, 120))
                    ).isoformat(),
                    "lines": lines,
                    **({"lost_reason": "预算不足 Budget cut"} if stage == "lost" else {}),
                },
            )
