"""Stock ledger (库存台账): posts approved stock-in and stock-out documents to a ledger,
keeps the quantity on hand per product and warehouse, and refuses any process step that
would take stock below zero; mirrors stock on hand onto the products and alerts
purchasing when one needs reordering.

Enable it in an app's ``app.json`` (``"plugins": ["stock_ledger"]``).  The app needs a
document entity with a process, shaped like this (every name is a setting; defaults in
brackets, override one with ``FORMFLOW_PLUGIN_STOCK_LEDGER_<KEY>``)::

    stock_document [document]                 the entity of stock documents
      direction [direction_field]             select: "in" [in_values], "out" [out_values]
      lines [lines_field]                     table (line items):
        product [product_field]                 link to the product entity, which may
                                                have these two (optional) fields:
          on_hand [on_hand_field]                 decimal, kept by the ledger
          needs_reorder [reorder_flag_field]      boolean, computed by the app
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

After a posting, each product moved gets its stock on hand across the warehouses in
``on_hand_field``; when that turns its ``reorder_flag_field`` on, the users holding one
of ``reorder_roles`` (["purchaser"]) get a "reorder" notification (see :mod:`.reorder`).

Quantities are kept with 4 decimal places.  Tables: ``stock_ledger_entries`` (the
ledger) and ``stock_ledger_balances`` (on hand), created by ``formflow migrate``.  The
page ``/plugins/stock_ledger/<app>/ledger`` (in the app's menu) and the API under
``/api/v1/plugins/stock_ledger/<app>/`` show them to anyone who may read the app's stock
documents (see :mod:`.pages`).  ``startup`` checks the settings against every app that
enables the plugin and stops start-up with a clear message when a name does not resolve.
"""

from __future__ import annotations

from pathlib import Path

from formflow.plugins import MenuLink, Vetoed, hookimpl, utcnow

from . import ledger, reorder
from .pages import may_read, pages

MANIFEST = {
    "name": "stock_ledger",
    "version": "1.1",
    "description": {
        "en": "Posts approved stock documents to a ledger and keeps stock on hand per "
              "product and warehouse; never lets it go negative; alerts purchasing when "
              "a product needs reordering.",
        "zh-CN": "审批通过的出入库单据记入库存台账，按商品和仓库计算现存量，库存不会变成负数；"
                 "商品需要补货时提醒采购。",
    },
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
        "on_hand_field": "on_hand",
        "reorder_flag_field": "needs_reorder",
        "reorder_roles": ["purchaser"],
    },
}
TEMPLATES = Path(__file__).resolve().parent / "templates"


@hookimpl
def register_tables():
    return [ledger.entries, ledger.balances]


@hookimpl
def startup(app, settings, runtime):
    plugin = runtime.plugins.get(MANIFEST["name"])
    for name in runtime.model.apps:
        if runtime.plugins.enabled(plugin, name):
            problem = ledger.mapping_problem(runtime.model, name, settings) or \
                reorder.mapping_problem(
                    runtime.model, runtime.model.entity(f"{name}.{settings['document']}"),
                    settings)
            if problem:
                raise ValueError(f"app {name}: {problem} (see the stock_ledger settings)")


@hookimpl
def process_before_transition(conn, entity, record, from_state, to_state, settings, runtime):
    sign = ledger.sign_of(from_state, to_state, settings)
    if not sign or entity.name != settings["document"]:
        return None
    short = []
    for (product, warehouse), delta in sorted(
            ledger.moves(conn, entity, record, sign, settings).items()):
        if delta >= 0:
            continue
        on_hand = ledger.on_hand(conn, entity.app, product, warehouse)
        if on_hand + delta < 0:
            short.append((product, warehouse, on_hand, -delta))
    return ledger.shortage(conn, entity, short, settings, runtime) if short else None


@hookimpl
def process_after_transition(conn, user, entity, record, from_state, to_state, event_id,
                             settings, runtime):
    sign = ledger.sign_of(from_state, to_state, settings)
    if not sign or entity.name != settings["document"]:
        return
    now = utcnow()
    lines = ledger.signed_lines(conn, entity, record, sign, settings)
    short = []
    for index, (product, warehouse, quantity) in enumerate(lines):
        balance = ledger.add(conn, entity.app, product, warehouse, quantity, now)
        if balance < 0:
            short.append((product, warehouse, balance - quantity, -quantity))
        conn.execute(ledger.entries.insert().values(
            app=entity.app, entity=entity.qualified_name, record_id=record["id"],
            number=record.get("_number"), line=index, product_id=product,
            warehouse_id=warehouse, quantity=quantity, balance=balance, reversal=sign < 0,
            event_id=event_id, actor_id=user.id, posted_at=now,
        ))
    if short:  # a concurrent writer got there first: refuse rather than go negative
        raise Vetoed(ledger.shortage(conn, entity, short, settings, runtime))
    reorder.refresh(conn, entity.app, entity, [p for p, _, _ in lines], settings, runtime)


@hookimpl
def register_pages():
    return pages


@hookimpl
def template_folders():
    return [TEMPLATES]


@hookimpl
def register_menu_links():
    return [MenuLink("ledger", {"en": "Stock ledger", "zh-CN": "库存台账"},
                     "plugin_stock_ledger.ledger_page", visible=may_read)]


@hookimpl
def register_notification_kinds():
    return reorder.TEXTS
