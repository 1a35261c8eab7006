"""Stock ledger (库存台账): posts approved stock-in and stock-out documents to a ledger,
keeps the quantity on hand per product and warehouse, and refuses any process step that
would take stock below zero.

Enable it in an app's ``app.json`` (``"plugins": ["stock_ledger"]``).  The app needs a
document entity with a process, shaped like this (every name is a setting; defaults in
brackets, override one with ``FORMFLOW_PLUGIN_STOCK_LEDGER_<KEY>``)::

    stock_document [document]                 the entity of stock documents
      direction [direction_field]             select: "in" [in_values], "out" [out_values]
      lines [lines_field]                     table (line items):
        product [product_field]                 link to the product entity
        warehouse [warehouse_field]             link to the warehouse entity (or put
                                                this link on the document itself)
        qty [quantity_field]                    integer or decimal, > 0
    process state "approved" [posted_state]   entering it posts the document

Entering ``posted_state`` posts one ledger entry per line (+qty for in, -qty for out)
and updates the balances; leaving it again (a "void" transition, say) posts the
reverse of what was posted.  Before either move, ``process_before_transition`` checks
every balance the move lowers and vetoes the step, naming product, warehouse, the
quantity on hand and the quantity needed, when one would fall below zero.  Balances
are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serializes writers) so two
documents approved at once cannot both spend the same stock.

Quantities are kept with 4 decimal places.  Tables: ``stock_ledger_entries`` (the
ledger) and ``stock_ledger_balances`` (on hand), created by ``formflow migrate``.
``GET /api/v1/plugins/stock_ledger/<app>/balances`` (``?product=&warehouse=``) and
``.../<app>/entries`` (``?record_id=``) list them to anyone who may read the app's
stock documents.  ``startup`` checks the settings against every app that enables the
plugin and stops start-up with a clear message when a name does not resolve.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from sqlalchemy.dialects import postgresql, sqlite

from formflow.api.authentication import current_api_user
from formflow.errors import Forbidden, Vetoed
from formflow.i18n import Message
from formflow.plugins import hookimpl, message
from formflow.runtime import get_runtime
from formflow.storage.types import ExactDecimal, UtcDateTime, utcnow

MANIFEST = {
    "name": "stock_ledger",
    "version": "1.0",
    "description": "Posts approved stock documents to a ledger and keeps stock on hand "
                   "per product and warehouse; never lets it go negative.",
    "settings": {
        "document": "stock_document",
        "direction_field": "direction",
        "in_values": ["in"],
        "out_values": ["out"],
        "lines_field": "lines",
        "product_field": "product",
        "warehouse_field": "warehouse",
        "quantity_field": "qty",
        "posted_state": "approved",
    },
}

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


# -- hooks ----------------------------------------------------------------------------------


@hookimpl
def register_tables():
    return [entries, balances]


@hookimpl
def startup(app, settings, runtime):
    plugin = runtime.plugins.get(MANIFEST["name"])
    for name in runtime.model.apps:
        if runtime.plugins.enabled(plugin, name):
            problem = mapping_problem(runtime.model, name, settings)
            if problem:
                raise ValueError(f"app {name}: {problem} (see the stock_ledger settings)")


@hookimpl
def process_before_transition(conn, entity, record, from_state, to_state, settings, runtime):
    sign = _sign(from_state, to_state, settings)
    if not sign or entity.name != settings["document"]:
        return None
    moves = _moves(conn, entity, record, sign, settings)
    short = []
    for (product, warehouse), delta in sorted(moves.items()):
        if delta >= 0:
            continue
        on_hand = _on_hand(conn, entity.app, product, warehouse)
        if on_hand + delta < 0:
            short.append((product, warehouse, on_hand, -delta))
    return _shortage(conn, entity, short, settings, runtime) if short else None


@hookimpl
def process_after_transition(conn, user, entity, record, from_state, to_state, event_id,
                             settings, runtime):
    sign = _sign(from_state, to_state, settings)
    if not sign or entity.name != settings["document"]:
        return
    now = utcnow()
    if sign > 0:
        lines = _lines(entity, record, settings)
    else:  # reverse exactly what was posted
        lines = [(p, w, -q) for p, w, q in _posted_lines(conn, entity, record["id"])]
    short = []
    for index, (product, warehouse, quantity) in enumerate(lines):
        balance = _add(conn, entity.app, product, warehouse, quantity, now)
        if balance < 0:
            short.append((product, warehouse, balance - quantity, -quantity))
        conn.execute(entries.insert().values(
            app=entity.app, entity=entity.qualified_name, record_id=record["id"],
            number=record.get("_number"), line=index, product_id=product,
            warehouse_id=warehouse, quantity=quantity, balance=balance, reversal=sign < 0,
            event_id=event_id, actor_id=user.id, posted_at=now,
        ))
    if short:  # a concurrent writer got there first: refuse rather than go negative
        raise Vetoed(_shortage(conn, entity, short, settings, runtime))


@hookimpl
def register_pages():
    return pages


# -- the ledger -----------------------------------------------------------------------------


def _sign(from_state: str, to_state: str, settings) -> int:
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


def _lines(entity, record, settings) -> list[tuple[int, int, Decimal]]:
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


def _posted_lines(conn, entity, record_id: int) -> list[tuple[int, int, Decimal]]:
    rows = conn.execute(
        sa.select(entries.c.product_id, entries.c.warehouse_id, entries.c.quantity)
        .where(entries.c.entity == entity.qualified_name, entries.c.record_id == record_id)
        .order_by(entries.c.id)
    ).all()
    net: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product, warehouse, quantity in rows:
        net[(product, warehouse)] += quantity
    return [(p, w, q) for (p, w), q in net.items() if q]


def _moves(conn, entity, record, sign, settings) -> dict[tuple[int, int], Decimal]:
    lines = (_lines(entity, record, settings) if sign > 0
             else [(p, w, -q) for p, w, q in _posted_lines(conn, entity, record["id"])])
    moves: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for product, warehouse, quantity in lines:
        moves[(product, warehouse)] += quantity
    return moves


def _on_hand(conn, app: str, product: int, warehouse: int) -> Decimal:
    """The balance, locked until the transaction ends."""
    value = conn.execute(
        sa.select(balances.c.quantity).where(
            balances.c.app == app, balances.c.product_id == product,
            balances.c.warehouse_id == warehouse,
        ).with_for_update()
    ).scalar()
    return value if value is not None else Decimal(0)


def _add(conn, app: str, product: int, warehouse: int, quantity: Decimal, now) -> Decimal:
    """Add ``quantity`` to a balance (created at zero when missing); the new balance."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(balances)
    statement = insert.values(
        app=app, product_id=product, warehouse_id=warehouse, quantity=quantity, updated_at=now,
    ).on_conflict_do_update(
        index_elements=[balances.c.app, balances.c.product_id, balances.c.warehouse_id],
        set_={"quantity": balances.c.quantity + insert.excluded.quantity, "updated_at": now},
    ).returning(balances.c.quantity)
    return conn.execute(statement).scalar_one()


def _shortage(conn, entity, short, settings, runtime) -> Message:
    """The veto: each product and warehouse short of stock, with on hand and needed."""
    lines = entity.field(settings["lines_field"])
    product_to = lines.column(settings["product_field"]).to
    warehouse_field = lines.column(settings["warehouse_field"]) or entity.field(
        settings["warehouse_field"])
    en, zh = [], []
    for product, warehouse, on_hand, needed in short:
        product_name = _title(conn, runtime, product_to, product)
        warehouse_name = _title(conn, runtime, warehouse_field.to, warehouse)
        have, want = _number(on_hand), _number(needed)
        en.append(f"{product_name} in {warehouse_name}: {have} on hand, {want} needed")
        zh.append(f"{warehouse_name}的{product_name}：现有 {have}，需要 {want}")
    return message({"en": "Not enough stock. " + "; ".join(en) + ".",
                    "zh-CN": "库存不足。" + "；".join(zh) + "。"})


def _title(conn, runtime, qualified: str, record_id: int) -> str:
    linked = runtime.records.load_internal(conn, qualified, record_id, include_deleted=True)
    return (linked or {}).get("_title") or f"#{record_id}"


def _number(value: Decimal) -> str:
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


# -- reading the ledger ---------------------------------------------------------------------

pages = Blueprint("stock_ledger", __name__, url_prefix="/api/v1/plugins/stock_ledger")


def _readable_app(app: str):
    user = current_api_user()
    runtime = get_runtime()
    settings = runtime.plugins.settings(MANIFEST["name"])
    entity = runtime.model.entity(f"{app}.{settings['document']}")
    if entity is None or not runtime.records.grant(user, entity).read:
        raise Forbidden(Message("forbidden"))
    return runtime


def _int_arg(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@pages.get("/<app>/balances")
def list_balances(app: str):
    """On hand per product and warehouse: ``?product=<id>&warehouse=<id>``."""
    runtime = _readable_app(app)
    where = [balances.c.app == app]
    for arg, column in (("product", balances.c.product_id),
                        ("warehouse", balances.c.warehouse_id)):
        if request.args.get(arg):
            where.append(column == _int_arg(arg))
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(balances).where(*where).order_by(
            balances.c.product_id, balances.c.warehouse_id)).all()
    return jsonify(items=[
        {"product": r.product_id, "warehouse": r.warehouse_id, "quantity": _number(r.quantity),
         "updated_at": r.updated_at.isoformat()} for r in rows
    ])


@pages.get("/<app>/entries")
def list_entries(app: str):
    """The ledger, newest first (at most 500): ``?record_id=<document id>``."""
    runtime = _readable_app(app)
    where = [entries.c.app == app]
    if request.args.get("record_id"):
        where.append(entries.c.record_id == _int_arg("record_id"))
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(entries).where(*where)
                            .order_by(entries.c.id.desc()).limit(500)).all()
    return jsonify(items=[
        {"id": r.id, "entity": r.entity, "record_id": r.record_id, "number": r.number,
         "line": r.line, "product": r.product_id, "warehouse": r.warehouse_id,
         "quantity": _number(r.quantity), "balance": _number(r.balance),
         "reversal": r.reversal, "posted_at": r.posted_at.isoformat()} for r in rows
    ])
