"""The demo company: departments with heads, about thirty people across every role, and
the logins printed for each role."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.auth import (
    create_department,
    create_user,
    get_department_by_code,
    get_user_by_name,
    hash_password,
    list_users,
)
from formflow.auth.departments import set_head
from formflow.auth.tables import users as users_table

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed for the demo sign-in, by design
ADMIN_PASSWORD = "admin12345"  # noqa: S105 - printed for the demo sign-in, by design

DEPARTMENTS = [
    # code, name, parent, head
    ("HQ", "总部 Headquarters", None, "zhaoming"),
    ("SALES", "销售部 Sales", "HQ", "lihua"),
    ("SALES-N", "华北销售 Sales North", "SALES", "wangfang"),
    ("SALES-S", "华南销售 Sales South", "SALES", "chenjing"),
    ("PUR", "采购部 Purchasing", "HQ", "sunli"),
    ("WH", "仓储部 Warehouse", "HQ", "zhouqiang"),
    ("HR", "人力资源部 Human Resources", "HQ", "wuxia"),
    ("FIN", "财务部 Finance", "HQ", "zhengyu"),
    ("ADMIN", "行政部 Administration", "HQ", "fengjie"),
    ("IT", "信息技术部 IT", "HQ", "songtao"),
    ("RD", "研发部 R&D", "HQ", "hanxue"),
]

USERS = [
    # name, display name, department, manager, roles, position
    (
        "zhaoming",
        "赵明 Zhao Ming",
        "HQ",
        None,
        ["general_manager", "director", "sales_director"],
        "总经理 General manager",
    ),
    ("xuli", "徐丽 Xu Li", "HQ", "zhaoming", ["legal"], "法务经理 Legal counsel"),
    ("lihua", "李华 Li Hua", "SALES", "zhaoming", ["sales_manager"], "销售经理 Sales manager"),
    ("wangfang", "王芳 Wang Fang", "SALES-N", "lihua", ["sales_rep"], "销售主管 Sales lead"),
    ("zhangwei", "张伟 Zhang Wei", "SALES-N", "lihua", ["sales_rep"], "销售代表 Sales rep"),
    ("huangmin", "黄敏 Huang Min", "SALES-N", "lihua", ["sales_rep"], "销售代表 Sales rep"),
    ("chenjing", "陈静 Chen Jing", "SALES-S", "lihua", ["sales_rep"], "销售主管 Sales lead"),
    ("liuyang", "刘洋 Liu Yang", "SALES-S", "lihua", ["sales_rep"], "销售代表 Sales rep"),
    ("qinfang", "秦芳 Qin Fang", "SALES-S", "lihua", ["sales_rep"], "销售代表 Sales rep"),
    (
        "sunli",
        "孙莉 Sun Li",
        "PUR",
        "zhaoming",
        ["purchase_manager"],
        "采购经理 Purchasing manager",
    ),
    ("majun", "马骏 Ma Jun", "PUR", "sunli", ["purchaser"], "采购员 Purchaser"),
    ("hulan", "胡兰 Hu Lan", "PUR", "sunli", ["purchaser"], "采购员 Purchaser"),
    (
        "zhouqiang",
        "周强 Zhou Qiang",
        "WH",
        "zhaoming",
        ["warehouse_manager"],
        "仓库主管 Warehouse manager",
    ),
    ("wugang", "吴刚 Wu Gang", "WH", "zhouqiang", ["warehouse_keeper"], "仓管员 Keeper"),
    ("zhengkai", "郑凯 Zheng Kai", "WH", "zhouqiang", ["warehouse_keeper"], "仓管员 Keeper"),
    ("linfeng", "林峰 Lin Feng", "WH", "zhouqiang", ["warehouse_keeper"], "仓管员 Keeper"),
    ("wuxia", "吴霞 Wu Xia", "HR", "zhaoming", ["hr_manager"], "人事经理 HR manager"),
    ("heyan", "何燕 He Yan", "HR", "wuxia", ["hr_specialist"], "人事专员 HR specialist"),
    ("zhengyu", "郑宇 Zheng Yu", "FIN", "zhaoming", ["finance"], "财务经理 Finance manager"),
    ("caihong", "蔡虹 Cai Hong", "FIN", "zhengyu", ["finance"], "会计 Accountant"),
    ("fengjie", "冯洁 Feng Jie", "ADMIN", "zhaoming", ["admin_staff"], "行政经理 Office manager"),
    (
        "tangli",
        "唐丽 Tang Li",
        "ADMIN",
        "fengjie",
        ["admin_staff"],
        "行政专员 Office administrator",
    ),
    ("songtao", "宋涛 Song Tao", "IT", "zhaoming", ["it_support"], "IT 经理 IT manager"),
    ("liangyu", "梁宇 Liang Yu", "IT", "songtao", ["it_support"], "IT 工程师 IT engineer"),
    ("hanxue", "韩雪 Han Xue", "RD", "zhaoming", [], "研发经理 R&D manager"),
    ("luoyi", "罗毅 Luo Yi", "RD", "hanxue", [], "软件工程师 Software engineer"),
    ("xiejie", "谢杰 Xie Jie", "RD", "hanxue", [], "软件工程师 Software engineer"),
    ("tianye", "田野 Tian Ye", "RD", "hanxue", [], "测试工程师 Test engineer"),
    ("panwei", "潘伟 Pan Wei", "RD", "hanxue", [], "硬件工程师 Hardware engineer"),
    ("sunyue", "孙悦 Sun Yue", "RD", "hanxue", [], "产品经理 Product manager"),
]

#: Who to sign in as to see each role at work: (user, what they do).
LOGINS = [
    ("zhaoming", "总经理/总监/销售总监 general manager, director, sales director"),
    ("lihua", "销售经理 sales manager (crm, sales orders)"),
    ("wangfang", "销售代表 sales rep (leads, quotations, sales orders)"),
    ("sunli", "采购经理 purchasing manager"),
    ("majun", "采购员 purchaser"),
    ("zhouqiang", "仓库主管 warehouse manager"),
    ("wugang", "仓管员 warehouse keeper"),
    ("wuxia", "人事经理 HR manager"),
    ("heyan", "人事专员 HR specialist"),
    ("zhengyu", "财务 finance (countersigns expense claims)"),
    ("fengjie", "行政专员 office administrator"),
    ("songtao", "IT 支持 IT support"),
    ("xuli", "法务 legal counsel"),
    ("luoyi", "员工 employee (leave, expenses, bookings)"),
]


def set_demo_admin_password(runtime) -> None:
    """Give ``admin`` the printed demo password, stored directly like the demo users'
    (it is below the password policy on purpose: a demo login everybody can type)."""
    with runtime.db.write() as conn:
        conn.execute(
            users_table.update()
            .where(users_table.c.username == "admin")
            .values(password_hash=hash_password(ADMIN_PASSWORD))
        )


def create_company(runtime) -> bool:
    """Create departments and people once; False when they already exist."""
    with runtime.db.write() as conn:
        if get_user_by_name(conn, "lihua") is not None:
            return False
        for code, name, parent, _ in DEPARTMENTS:
            if get_department_by_code(conn, code) is None:
                create_department(conn, code, name, parent=parent)
        known = runtime.model.roles
        for username, display, department, manager, roles, _ in USERS:
            create_user(
                conn,
                username,
                None,
                display_name=display,
                email=f"{username}@example.com",
                roles=[r for r in roles if r in known],
                department=department,
                manager=manager,
                known_roles=known,
            )
        # One hash for everybody (hashing is deliberately slow): same password, same check.
        conn.execute(
            users_table.update()
            .where(users_table.c.username.in_([u[0] for u in USERS]))
            .values(password_hash=hash_password(DEMO_PASSWORD))
        )
        for code, _, _, head in DEPARTMENTS:
            set_head(conn, get_department_by_code(conn, code).id, head)
    return True


def people(runtime) -> dict:
    """Every active user by name."""
    with runtime.db.read() as conn:
        return {u.username: u for u in list_users(conn, include_inactive=False)}


def logins() -> list[tuple[str, str, str]]:
    return [("admin", ADMIN_PASSWORD, "管理员 administrator")] + [
        (name, DEMO_PASSWORD, what) for name, what in LOGINS
    ]


def department_ids(conn) -> dict[str, int]:
    from formflow.auth.tables import departments

    return {r.code: r.id for r in conn.execute(sa.select(departments.c.code, departments.c.id))}
