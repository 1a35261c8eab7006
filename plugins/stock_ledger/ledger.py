"""The ledger: its tables, what a document posts, the balances it locks and moves, and the
veto when stock would go below zero."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from formflow.plugins import ExactDecimal, Message, UtcDateTime, Vetoed, message

QUANTITY = ExactDecimal(20, 4)
metadata = sa.MetaData()

entries = sa.Table(
    "stock_ledger_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("app", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("number", sa.String(64)),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("product_id", sa.Integer, nullable=False),
    sa.Column("warehouse_id", sa.Integer, nullable=False),
    sa.Column("quantity", QUANTITY, nullable=False),  # signed: + in, - out
    sa.Column("balance", QUANTITY, nullable=False),  # on hand after this entry
    sa.Column("reversal", sa.Boolean, nullable=False, default=False),
    sa.Column("event_id", sa.Integer),
    sa.Column("actor_id", sa.Integer),
    sa.Column("posted_at", UtcDateTime, nullable=False),
    sa.Index("ix_stock_ledger_entries_record", "entity", "record_id"),
    sa.Index("ix_stock_ledger_entries_item", "app", "product_id", "warehouse_id"),
)

balances = sa.Table(
    "stock_ledger_balances",
    metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("product_id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.Integer, primary_key=True),
    sa.Column("quantity", QUANTITY, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)


def sign_of(from_state: str, to_state: str, settings) -> int:
    posted = settings["posted_state"]
    if to_state == posted and from_state != posted:
        return 1
    if from_state == posted and to_state != posted:
        return -1
    return 0


def _direction(record, settings) -> int:
    value = record.get(settings["direction_field"])
    if value in settings["in_values"]:
        return 1
    if value in settings["out_values"]:
        return -1
    raise Vetoed(message({
        "en": f"Choose whether this document takes stock in or out ({value!r} is neither).",
        "zh-CN": f"请选择入库或出库（{value!r} 两者都不是）。",
    }))


def lines_of(entity, record, settings) -> list[tuple[int, int, Decimal]]:
    """(product, warehouse, signed quantity) of each complete line of the document."""
    sign = _direction(record, settings)
    found = []
    for line in record.get(settings["lines_field"]) or []:
        product = line.get(settings["product_field"])
        warehouse = line.get(settings["warehouse_field"], record.get(settings["warehouse_field"]))
        quantity = line.get(settings["quantity_field"])
        if product is None or warehouse is None or quantity is None:
            continue  # the save's validation reports it
        found.append((product, warehouse, sign * Decimal(quantity)))
    return found


def posted_lines(conn, entity, record_id: int) -> list[tuple[int, int, Decimal]]:
    rows = conn.execute(
        sa.select(entries.c.product_id, entries.c.warehouse_id, entries.c.quantity)
        .where(entries.c.entity == entity.qualified_name, entries.c.record_id == record_id)
        .order_by(entries.c.id)
    ).all()
    net: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product, warehouse, quantity in rows:
        net[(product, warehouse)] += quantity
    return [(p, w, q) for (p, w), q in net.items() if q]


def signed_lines(conn, entity, record, sign: int, settings) -> list[tuple[int, int, Decimal]]:
    """What a move posts: the document's lines when it enters the posted state, the
    reverse of what was posted when it leaves it."""
    if sign > 0:
        return lines_of(entity, record, settings)
    return [(p, w, -q) for p, w, q in posted_lines(conn, entity, record["id"])]


def moves(conn, entity, record, sign: int, settings) -> dict[tuple[int, int], Decimal]:
    """The net change per (product, warehouse) of a move."""
    net: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product, warehouse, quantity in signed_lines(conn, entity, record, sign, settings):
        net[(product, warehouse)] += quantity
    return net


def on_hand(conn, app: str, product: int, warehouse: int) -> Decimal:
    """The balance, locked until the transaction ends."""
    value = conn.execute(
        sa.select(balances.c.quantity).where(
            balances.c.app == app, balances.c.product_id == product,
            balances.c.warehouse_id == warehouse,
        ).with_for_update()
    ).scalar()
    return value if value is not None else Decimal(0)


def add(conn, app: str, product: int, warehouse: int, quantity: Decimal, now) -> Decimal:
    """Add ``quantity`` to a balance (created at zero when missing); the new balance."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(balances)
    statement = insert.values(
        app=app, product_id=product, warehouse_id=warehouse, quantity=quantity, updated_at=now,
    ).on_conflict_do_update(
        index_elements=[balances.c.app, balances.c.product_id, balances.c.warehouse_id],
        set_={"quantity": balances.c.quantity + insert.excluded.quantity, "updated_at": now},
    ).returning(balances.c.quantity)
    return conn.execute(statement).scalar_one()


def shortage(conn, entity, short, settings, runtime) -> Message:
    """The veto: each product and warehouse short of stock, with on hand and needed."""
    products = product_entity(runtime.model, entity, settings).qualified_name
    warehouses = warehouse_entity(runtime.model, entity, settings).qualified_name
    en, zh = [], []
    for product, warehouse, on_hand, needed in short:
        product_name = title(conn, runtime, products, product)
        warehouse_name = title(conn, runtime, warehouses, warehouse)
        have, want = number(on_hand), number(needed)
        en.append(f"{product_name} in {warehouse_name}: {have} on hand, {want} needed")
        zh.append(f"{warehouse_name}的{product_name}：现有 {have}，需要 {want}")
    return message({"en": "Not enough stock. " + "; ".join(en) + ".",
                    "zh-CN": "库存不足。" + "；".join(zh) + "。"})


def product_entity(model, entity, settings):
    """The entity the document lines' product field links to."""
    return model.entity(entity.field(settings["lines_field"]).column(settings["product_field"]).to)


def warehouse_entity(model, entity, settings):
    """The entity the warehouse field (on the lines or the document) links to."""
    lines = entity.field(settings["lines_field"])
    field = lines.column(settings["warehouse_field"]) or entity.field(settings["warehouse_field"])
    return model.entity(field.to)


def title(conn, runtime, qualified: str, record_id: int) -> str:
    linked = runtime.internal_records.load(conn, qualified, record_id, include_deleted=True)
    return (linked or {}).get("_title") or f"#{record_id}"


def number(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text if text != "-0" else "0"


def mapping_problem(model, app: str, settings) -> str | None:
    """What in ``app`` does not fit the settings, or None."""
    entity = model.entity(f"{app}.{settings['document']}")
    if entity is None:
        return f"no entity {settings['document']!r}"
    process = model.process_for(entity)
    if process is None or process.state(settings["posted_state"]) is None:
        return f"{entity.name} needs a process with a state {settings['posted_state']!r}"
    direction = entity.field(settings["direction_field"])
    if direction is None:
        return f"{entity.name} has no field {settings['direction_field']!r}"
    lines = entity.field(settings["lines_field"])
    if lines is None or not lines.is_table:
        return f"{entity.name} has no table field {settings['lines_field']!r}"
    for key, kinds in (("product_field", ("link",)), ("quantity_field", ("integer", "decimal"))):
        column = lines.column(settings[key])
        if column is None or column.type not in kinds:
            return (f"{entity.name}.{lines.name} needs a {' or '.join(kinds)} field "
                    f"{settings[key]!r}")
    warehouse = (lines.column(settings["warehouse_field"])
                 or entity.field(settings["warehouse_field"]))
    if warehouse is None or warehouse.type != "link":
        return (f"{entity.name} needs a link field {settings['warehouse_field']!r} "
                "(on the lines or the document)")
    return None


