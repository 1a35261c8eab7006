"""Warehouse demo data: warehouses and locations (``masters``, loaded before the orders
that name them), then receipts for the approved purchase orders, deliveries for the
approved sales orders, transfers and stocktakes, posted to the stock ledger in date
order so that no balance ever goes below zero."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from formflow.fields.columns import utcnow

KEEPERS = ["wugang", "zhengkai", "linfeng"]
MANAGER = "zhouqiang"
WAREHOUSES = [
    ("SH", "上海总仓 Shanghai main", "finished", "上海市嘉定区马陆镇宝安公路 2999 号"),
    ("BJ", "北京仓 Beijing", "finished", "北京市大兴区亦庄经济开发区 18 号"),
    ("GZ", "广州仓 Guangzhou", "finished", "广州市黄埔区开创大道 256 号"),
    ("RET", "退货仓 Returns", "returns", "上海市嘉定区马陆镇宝安公路 2999 号 B 栋"),
]
DOCUMENT = "warehouse.stock_document"


def _masters_bulk(demo, loader) -> None:
    if not loader.has("warehouse.warehouse"):
        return
    warehouses, locations = [], defaultdict(list)
    for index, (code, name, kind, address) in enumerate(WAREHOUSES):
        warehouse = loader.add(
            "warehouse.warehouse",
            MANAGER,
            {
                "name": name,
                "code": code,
                "kind": kind,
                "address": address,
                "manager": MANAGER if index == 0 else KEEPERS[index % len(KEEPERS)],
                "phone": f"+86 21 6{index}88 {1000 + index}",
            },
            at=demo.moment(500),
        )
        warehouses.append(warehouse)
        zones = ["receiving", "storage", "storage", "storage", "picking", "shipping"]
        for number in range(demo.n(15) if kind != "returns" else 4):
            zone = zones[number % len(zones)]
            locations[warehouse["id"]].append(
                loader.add(
                    "warehouse.location",
                    MANAGER,
                    {
                        "warehouse": warehouse["id"],
                        "zone": zone,
                        "code": f"{'ABCD'[number % 4]}-{number // 4 + 1:02d}-{number % 3 + 1:02d}",
                        "capacity": str(demo.rng.choice([8, 12, 20])),
                    },
                    at=demo.moment(500),
                )
            )
    demo.data["warehouses"] = warehouses
    demo.data["locations"] = locations


masters = SimpleNamespace(bulk=_masters_bulk, live=lambda demo, live: None)


class Ledger:
    """The stock_ledger plugin's tables, written alongside bulk documents (the same rows
    the plugin writes when a document is approved)."""

    def __init__(self, runtime, conn):
        tables = runtime.schema.metadata.tables
        plugin = runtime.plugins.get("stock_ledger")
        self.enabled = (
            plugin is not None
            and "stock_ledger_entries" in tables
            and runtime.plugins.enabled(plugin, "warehouse")
        )
        self.entries = tables.get("stock_ledger_entries")
        self.balances_table = tables.get("stock_ledger_balances")
        self.conn = conn
        self.on_hand: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.rows: list[dict] = []

    def available(self, product: int, warehouse: int) -> Decimal:
        return self.on_hand[(product, warehouse)]

    def post(self, document: dict, sign: int, actor_id: int, at) -> None:
        for index, line in enumerate(document["lines"]):
            key = (line["product"], document["warehouse"])
            quantity = sign * Decimal(line["qty"])
            self.on_hand[key] += quantity
            assert self.on_hand[key] >= 0, "the demo would take stock below zero"
            self.rows.append(
                {
                    "app": "warehouse",
                    "entity": DOCUMENT,
                    "record_id": document["id"],
                    "number": document["_number"],
                    "line": index,
                    "product_id": key[0],
                    "warehouse_id": key[1],
                    "quantity": quantity,
                    "balance": self.on_hand[key],
                    "reversal": False,
                    "event_id": None,
                    "actor_id": actor_id,
                    "posted_at": at,
                }
            )

    def write(self) -> None:
        if not self.enabled:
            return
        if self.rows:
            self.conn.execute(self.entries.insert(), self.rows)
        now = utcnow()
        balances = [
            {
                "app": "warehouse",
                "product_id": p,
                "warehouse_id": w,
                "quantity": q,
                "updated_at": now,
            }
            for (p, w), q in self.on_hand.items()
        ]
        if balances:
            self.conn.execute(self.balances_table.insert(), balances)


def bulk(demo, loader) -> None:
    if not loader.has(DOCUMENT) or "products" not in demo.data:
        return
    ledger = Ledger(demo.runtime, loader.conn)
    demo.data["ledger"] = ledger
    if not ledger.enabled:
        return  # without the plugin nothing would keep the balances: no movements
    rng = demo.rng
    plans = []  # (posted at, kind, source order)
    for order in demo.data.get("purchase_orders", []):
        if order["approved_at"] and rng.random() < 0.9:
            posted = order["approved_at"] + timedelta(days=rng.uniform(1, 8))
            if posted < demo.now - timedelta(hours=2):
                plans.append((posted, "purchase_in", order))
    for order in demo.data.get("sales_orders", []):
        if order["approved_at"] and rng.random() < 0.85:
            posted = order["approved_at"] + timedelta(days=rng.uniform(0.5, 5))
            if posted < demo.now - timedelta(hours=2):
                plans.append((posted, "sales_out", order))
    plans.sort(key=lambda plan: plan[0])
    for posted, kind, order in plans:
        if kind == "purchase_in":
            lines = [
                {
                    "product": line["product"],
                    "qty": str(line["quantity"]),
                    "unit_cost": f"{line['unit_price']:.2f}",
                }
                for line in order["lines"]
            ]
            _document(
                demo,
                loader,
                ledger,
                kind,
                order["warehouse"],
                posted,
                lines,
                purchase_order=order["id"],
            )
        else:
            lines = []
            for line in order["lines"]:
                quantity = min(
                    Decimal(line["quantity"]), ledger.available(line["product"], order["warehouse"])
                )
                if quantity > 0:
                    lines.append({"product": line["product"], "qty": f"{quantity:.2f}"})
            if lines:
                _document(
                    demo,
                    loader,
                    ledger,
                    kind,
                    order["warehouse"],
                    posted,
                    lines,
                    sales_order=order["id"],
                )
    _transfers(demo, loader, ledger)
    _stocktakes(demo, loader, ledger)
    ledger.write()
    _stock_on_products(demo, loader, ledger)


def _stock_on_products(demo, loader, ledger) -> None:
    """Each product's stock on hand, as the plugin keeps it after a posting (and with it
    the product's reorder flag)."""
    if loader.model.entity("inventory.product").field("on_hand") is None:
        return
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for (product, _), quantity in ledger.on_hand.items():
        totals[product] += quantity
    for product in demo.data["products"]:
        on_hand = totals[product["id"]].quantize(Decimal("0.01"))
        if on_hand != product.get("on_hand"):
            loader.update("inventory.product", "admin", product, {"on_hand": on_hand})


def _document(
    demo, loader, ledger, kind, warehouse, posted, lines, *, direct=False, **links
) -> dict:
    """A posted document: created by a keeper, approved by the manager (or posted on
    submission for transfers and stocktake adjustments)."""
    rng = demo.rng
    keeper = rng.choice(KEEPERS)
    created = posted - timedelta(hours=rng.uniform(1, 20))
    locations = demo.data["locations"].get(warehouse) or [None]
    for line in lines:
        location = rng.choice(locations)
        line.setdefault("location", location["id"] if location else None)
    if direct:
        history = [("submit", "approved", keeper, posted, None)]
    else:
        submitted = created + (posted - created) / 3
        history = [
            ("submit", "review", keeper, submitted, None),
            ("approve", "approved", MANAGER, posted, None),
        ]
    document = loader.add(
        DOCUMENT,
        keeper,
        {
            "kind": kind,
            "warehouse": warehouse,
            "doc_date": created.date().isoformat(),
            "handler": keeper,
            "lines": lines,
            "posted_on": posted.date().isoformat(),
            **links,
        },
        at=created,
        history=history,
    )
    sign = -1 if document["direction"] == "out" else 1
    ledger.post(document, sign, loader.users[history[-1][2]].id, posted)
    return document


def _transfers(demo, loader, ledger) -> None:
    rng = demo.rng
    warehouses = demo.data["warehouses"]
    main = warehouses[0]["id"]
    for _ in range(demo.n(24)):
        target = rng.choice(warehouses[1:3])["id"]
        stocked = [key[0] for key, qty in ledger.on_hand.items() if key[1] == main and qty >= 10]
        if not stocked:
            break
        created = demo.now - timedelta(days=rng.uniform(1, 20))
        lines = [
            {"product": p, "qty": str(int(ledger.available(p, main) // 4) or 1)}
            for p in rng.sample(stocked, min(len(stocked), rng.randrange(1, 4)))
        ]
        approved = demo.later(created, 1, 20)
        transfer = loader.add(
            "warehouse.transfer",
            rng.choice(KEEPERS),
            {
                "from_warehouse": main,
                "to_warehouse": target,
                "planned_date": approved.date().isoformat(),
                "reason": rng.choice(["replenish", "customer", "consolidate"]),
                "lines": lines,
            },
            at=created,
            history=[
                ("submit", "review", KEEPERS[0], demo.later(created, 0.1, 1), None),
                ("approve", "approved", MANAGER, approved, None),
            ],
        )
        out_at = demo.later(approved, 1, 8)
        copy = [{"product": line["product"], "qty": line["qty"]} for line in lines]
        _document(
            demo,
            loader,
            ledger,
            "transfer_out",
            main,
            out_at,
            copy,
            direct=True,
            transfer=transfer["id"],
        )
        in_at = demo.later(out_at, 4, 30)
        copy = [{"product": line["product"], "qty": line["qty"]} for line in lines]
        _document(
            demo,
            loader,
            ledger,
            "transfer_in",
            target,
            in_at,
            copy,
            direct=True,
            transfer=transfer["id"],
        )


def _stocktakes(demo, loader, ledger) -> None:
    rng = demo.rng
    products = {p["id"]: p for p in demo.data["products"]}
    for warehouse in demo.data["warehouses"][:3]:
        for _ in range(demo.n(3)):
            held = [
                (key[0], qty)
                for key, qty in ledger.on_hand.items()
                if key[1] == warehouse["id"] and qty > 0
            ]
            if not held:
                break
            counted_at = demo.now - timedelta(days=rng.uniform(1, 30))
            lines = []
            for product, book in rng.sample(held, min(len(held), 8)):
                difference = rng.choice([0, 0, 0, 1, -1, -2, 2])
                counted = max(Decimal(0), book + difference)
                lines.append(
                    {
                        "product": product,
                        "book_qty": f"{book:.2f}",
                        "counted_qty": f"{counted:.2f}",
                        "unit_cost": f"{products[product]['purchase_price']:.2f}",
                    }
                )
            counter = rng.choice(KEEPERS)
            approved = demo.later(counted_at, 2, 30)
            stocktake = loader.add(
                "warehouse.stocktake",
                counter,
                {
                    "warehouse": warehouse["id"],
                    "count_date": counted_at.date().isoformat(),
                    "counter": counter,
                    "scope": "cycle",
                    "lines": lines,
                    "explanation": "循环盘点差异为拣货误差。 Picking errors in the cycle count.",
                },
                at=counted_at,
                history=[
                    ("submit", "review", counter, demo.later(counted_at, 0.5, 3), None),
                    ("approve", "approved", MANAGER, approved, None),
                ],
            )
            for kind, sign in (("gain", 1), ("loss", -1)):
                adjust = [
                    {
                        "product": line["product"],
                        "qty": f"{abs(_difference(line)):.2f}",
                        "unit_cost": line["unit_cost"],
                    }
                    for line in lines
                    if sign * _difference(line) > 0
                ]
                if adjust:
                    _document(
                        demo,
                        loader,
                        ledger,
                        kind,
                        warehouse["id"],
                        demo.later(approved, 1, 10),
                        adjust,
                        direct=True,
                        stocktake=stocktake["id"],
                    )


def _difference(line: dict) -> Decimal:
    return Decimal(line["counted_qty"]) - Decimal(line["book_qty"])


def live(demo, live) -> None:
    ledger = demo.data.get("ledger")
    if ledger is None or not ledger.enabled:
        return
    _waiting_documents(demo, live, ledger)
    _reorder_alert(demo, live, ledger)


def _reorder_alert(demo, live, ledger) -> None:
    """Trade-fair samples approved now that take a product down to its reorder level: the
    plugin flags the product and tells the purchasers."""
    main = demo.data["warehouses"][0]["id"]
    with demo.runtime.db.read() as conn:
        for product in demo.data["products"]:
            current = demo.runtime.internal_records.load(conn, "inventory.product", product["id"])
            level = current.get("reorder_level") or 0
            excess = (current.get("on_hand") or 0) - level
            if level > 0 and 0 < excess <= ledger.available(product["id"], main):
                break
        else:
            return
    document = live.create(
        "wugang",
        DOCUMENT,
        {
            "kind": "other_out",
            "warehouse": main,
            "partner": "展会样品 Trade fair samples",
            "lines": [{"product": product["id"], "qty": f"{excess:.2f}"}],
        },
    )
    live.act("wugang", DOCUMENT, document, "submit")
    live.act(MANAGER, DOCUMENT, document, "approve", comment="展会样品已出库。")


def _waiting_documents(demo, live, ledger) -> None:
    rng = demo.rng
    warehouses = demo.data["warehouses"]
    main = warehouses[0]["id"]
    approved_orders = [o for o in demo.data.get("purchase_orders", []) if o["approved_at"]]
    # Receipts waiting for the warehouse manager (two of them overdue), one sent back,
    # one approved now through the services (the plugin posts it).
    for index, plan in enumerate(["review", "review", "review", "sent_back", "approved", "draft"]):
        order = approved_orders[-(index + 1)]
        keeper = KEEPERS[index % len(KEEPERS)]
        document = live.create(
            keeper,
            DOCUMENT,
            {
                "kind": "purchase_in",
                "warehouse": order["warehouse"],
                "purchase_order": order["id"],
                "lines": [
                    {"product": line["product"], "qty": str(line["quantity"])}
                    for line in order["lines"]
                ],
            },
        )
        if plan == "draft":
            continue
        live.act(keeper, DOCUMENT, document, "submit")
        if plan == "approved":
            live.act(MANAGER, DOCUMENT, document, "approve", comment="数量核对无误。")
        elif plan == "sent_back":
            live.act(
                MANAGER, DOCUMENT, document, "send_back", comment="请补填库位。 Add locations."
            )
        demo.overdue(DOCUMENT, document, [0.1, 2, 4, 1, 0.5][index])
    # Other stock-out waiting, a transfer waiting for approval, a stocktake under review.
    stocked = [key[0] for key, qty in ledger.on_hand.items() if key[1] == main and qty >= 5]
    if stocked:
        product = rng.choice(stocked)
        document = live.create(
            "linfeng",
            DOCUMENT,
            {
                "kind": "other_out",
                "warehouse": main,
                "partner": "研发部样机领用 R&D samples",
                "lines": [{"product": product, "qty": "2"}],
            },
        )
        live.act("linfeng", DOCUMENT, document, "submit")
        demo.overdue(DOCUMENT, document, 3)
        transfer = live.create(
            "wugang",
            "warehouse.transfer",
            {
                "from_warehouse": main,
                "to_warehouse": warehouses[1]["id"],
                "reason": "replenish",
                "lines": [{"product": product, "qty": "3"}],
            },
        )
        live.act("wugang", "warehouse.transfer", transfer, "submit")
        demo.overdue("warehouse.transfer", transfer, 2)
        book = ledger.available(product, main)
        stocktake = live.create(
            "zhengkai",
            "warehouse.stocktake",
            {
                "warehouse": main,
                "scope": "spot",
                "lines": [
                    {
                        "product": product,
                        "book_qty": f"{book:.2f}",
                        "counted_qty": f"{book - 1:.2f}",
                        "unit_cost": "10.00",
                    }
                ],
                "explanation": "一件包装破损报废。 One damaged unit scrapped.",
            },
        )
        live.act("zhengkai", "warehouse.stocktake", stocktake, "submit")
