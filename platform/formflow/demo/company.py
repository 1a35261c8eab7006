"""The demo company: departments with heads, about thirty people across every role, and
the logins printed for each role."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.auth import (
    create_department,
    create_user,
    get_department_by_code,
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

#: Who to sign in as to walk through every process: (user, who they are, what they do and
#: which approvals reach them).  Each requester's manager and department head is here,
#: and so is every finance officer, as expense claims need all of them (countersign).
LOGINS = [
    ("zhaoming", "总经理 general manager (director, sales director)",
     "director step of quotations, purchase and sales orders, asset requests, contracts and"
     " expense claims over 5,000; manager of the department heads"),
    ("lihua", "销售经理 sales manager",
     "qualifies leads; approves quotations and sales orders; manager of the sales reps"),
    ("wangfang", "销售主管 sales lead (sales rep)",
     "leads, quotations, sales orders, contracts; head of Sales North (reviews its contracts)"),
    ("sunli", "采购经理 purchasing manager",
     "approves purchase orders; manager of the purchasers; head of Purchasing"),
    ("majun", "采购员 purchaser", "purchase orders, supplier contracts"),
    ("zhouqiang", "仓库主管 warehouse manager",
     "approves stock documents, transfers and stocktakes; manager of the keepers"),
    ("wugang", "仓管员 warehouse keeper", "stock documents, transfers, stocktakes"),
    ("wuxia", "人事经理 HR manager", "HR step of leave; closes offboarding"),
    ("heyan", "人事专员 HR specialist",
     "HR step of overtime and attendance corrections; prepares onboarding"),
    ("zhengyu", "财务经理 finance manager",
     "countersigns expense claims (with caihong); finance step of contracts and stocktakes;"
     " offboarding settlement"),
    ("caihong", "会计 accountant (finance)", "countersigns expense claims (with zhengyu)"),
    ("fengjie", "行政经理 office manager",
     "reviews announcements; hands out supplies and assets"),
    ("songtao", "IT 经理 IT manager", "IT steps of onboarding and offboarding"),
    ("xuli", "法务经理 legal counsel", "legal step of contracts"),
    ("hanxue", "研发经理 R&D manager",
     "manager of the engineers: their leave, overtime, attendance corrections, expense"
     " claims, supply and asset requests; welcomes new hires"),
    ("luoyi", "软件工程师 engineer (employee)",
     "asks for leave, overtime, expenses, supplies and assets; books rooms"),
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


def company_state(runtime) -> str:
    """``"none"``, ``"loaded"``, or ``"partial"`` when a load stopped half-way: the
    people exist but cannot sign in yet (:func:`open_sign_in` is the last step)."""
    with runtime.db.read() as conn:
        found = conn.execute(
            sa.select(users_table.c.password_hash).where(users_table.c.username == "lihua")
        ).first()
    if found is None:
        return "none"
    return "loaded" if found.password_hash else "partial"


def create_company(runtime) -> None:
    """Create the departments and the people (who cannot sign in until
    :func:`open_sign_in`)."""
    with runtime.db.write() as conn:
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
        for code, _, _, head in DEPARTMENTS:
            set_head(conn, get_department_by_code(conn, code).id, head)


def open_sign_in(runtime) -> None:
    """Give every demo person the demo password: the last step of a load."""
    with runtime.db.write() as conn:
        # One hash for everybody (hashing is deliberately slow): same password, same check.
        conn.execute(
            users_table.update()
            .where(users_table.c.username.in_([u[0] for u in USERS]))
            .values(password_hash=hash_password(DEMO_PASSWORD))
        )


def people(runtime) -> dict:
    """Every active user by name."""
    with runtime.db.read() as conn:
        return {u.username: u for u in list_users(conn, include_inactive=False)}


def logins() -> list[tuple[str, str, str, str]]:
    """(user, password, who they are, what they do) for every demo login."""
    admin = ("admin", ADMIN_PASSWORD, "管理员 administrator",
             "users, roles, departments, the working calendar, the audit log")
    return [admin] + [(name, DEMO_PASSWORD, who, does) for name, who, does in LOGINS]


def department_ids(conn) -> dict[str, int]:
    from formflow.auth.tables import departments

    return {r.code: r.id for r in conn.execute(sa.select(departments.c.code, departments.c.id))}
