"""Reading the ledger, for anyone who may read the app's stock documents.  The postings
listed are those of the documents within the caller's read scope (a role reading
``own`` sees the postings of its own documents); balances are totals over all of them.

    GET /api/v1/plugins/stock_ledger/<app>/balances   on hand (?product=&warehouse=)
    GET /api/v1/plugins/stock_ledger/<app>/entries    the postings (?record_id=)
    GET /plugins/stock_ledger/<app>/ledger            the page: on hand and postings per
                                                      product and warehouse, filtered by
                                                      either (?product=&warehouse=), a page
                                                      of each at a time (?stock_page=&page=)
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from formflow.plugins import Forbidden, Message, User
from formflow.plugins.pages import current_api_user, get_runtime, render

from .ledger import balances, entries, number, product_entity, warehouse_entity

pages = Blueprint("stock_ledger", __name__)
API = "/api/v1/plugins/stock_ledger"
#: The most postings an API call lists (newest first).
MAX_ENTRIES = 500
#: Rows of each table the page shows at a time.
PER_PAGE = 50


def document_entity(runtime, user: User, app: str):
    """The app's stock document entity, if ``user`` may read it; else Forbidden."""
    settings = runtime.plugins.settings("stock_ledger")
    entity = runtime.model.entity(f"{app}.{settings['document']}")
    if entity is None or not runtime.records.grant(user, entity).read:
        raise Forbidden(Message("forbidden"))
    return entity


def may_read(user: User, app: str, runtime) -> bool:
    """Whether ``user`` may open the ledger of ``app`` (the menu link's test)."""
    try:
        document_entity(runtime, user, app)
    except Forbidden:
        return False
    return True


def _visible(conn, runtime, user: User, entity) -> list:
    """The condition keeping the postings of documents ``user`` may read (none: all)."""
    ids = runtime.records.readable_ids(conn, user, entity)
    if ids is None:
        return []
    return [entries.c.entity == entity.qualified_name, entries.c.record_id.in_(ids)]


def _id_arg(name: str) -> int | None:
    """A positive record id from the query string; None when absent; -1 when malformed."""
    text = request.args.get(name, "")
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 10 else -1


def _where(table, app: str, product: int | None, warehouse: int | None) -> list:
    where = [table.c.app == app]
    if product is not None:
        where.append(table.c.product_id == product)
    if warehouse is not None:
        where.append(table.c.warehouse_id == warehouse)
    return where


# -- API ------------------------------------------------------------------------------------


@pages.get(f"{API}/<app>/balances")
def list_balances(app: str):
    """On hand per product and warehouse: ``?product=<id>&warehouse=<id>``."""
    runtime = get_runtime()
    document_entity(runtime, current_api_user(), app)
    where = _where(balances, app, _id_arg("product"), _id_arg("warehouse"))
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(balances).where(*where).order_by(
            balances.c.product_id, balances.c.warehouse_id)).all()
    return jsonify(items=[
        {"product": r.product_id, "warehouse": r.warehouse_id, "quantity": number(r.quantity),
         "updated_at": r.updated_at.isoformat()} for r in rows
    ])


@pages.get(f"{API}/<app>/entries")
def list_entries(app: str):
    """The ledger, newest first (at most 500): ``?record_id=<document id>``."""
    runtime = get_runtime()
    user = current_api_user()
    entity = document_entity(runtime, user, app)
    where = [entries.c.app == app]
    if request.args.get("record_id"):
        where.append(entries.c.record_id == _id_arg("record_id"))
    with runtime.db.read() as conn:
        where += _visible(conn, runtime, user, entity)
        rows = conn.execute(sa.select(entries).where(*where)
                            .order_by(entries.c.id.desc()).limit(MAX_ENTRIES)).all()
    return jsonify(items=[
        {"id": r.id, "entity": r.entity, "record_id": r.record_id, "number": r.number,
         "line": r.line, "product": r.product_id, "warehouse": r.warehouse_id,
         "quantity": number(r.quantity), "balance": number(r.balance),
         "reversal": r.reversal, "posted_at": r.posted_at.isoformat()} for r in rows
    ])


# -- the page -------------------------------------------------------------------------------


@pages.get("/plugins/stock_ledger/<app>/ledger")
def ledger_page(app: str):
    """On hand and postings per product and warehouse, filtered by either."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login_form", next=request.full_path.rstrip("?")))
    runtime = get_runtime()
    try:
        entity = document_entity(runtime, current_user.user, app)
    except Forbidden:
        abort(403)
    settings = runtime.plugins.settings("stock_ledger")
    products = product_entity(runtime.model, entity, settings)
    warehouses = warehouse_entity(runtime.model, entity, settings)
    product, warehouse = _id_arg("product"), _id_arg("warehouse")
    errors = {}
    if product == -1:
        errors["product"] = _("Choose a product from the list.")
    if warehouse == -1:
        errors["warehouse"] = _("Choose a warehouse from the list.")
    with runtime.db.read() as conn:
        stock_where = _where(balances, app, product, warehouse)
        stock = _Pager(conn, balances, stock_where, _page_arg("stock_page"))
        on_hand = conn.execute(sa.select(balances).where(*stock_where).order_by(
            balances.c.product_id, balances.c.warehouse_id)
            .limit(PER_PAGE).offset(stock.offset)).all()
        posting_where = [*_where(entries, app, product, warehouse),
                         *_visible(conn, runtime, current_user.user, entity)]
        posted = _Pager(conn, entries, posting_where, _page_arg("page"))
        postings = conn.execute(sa.select(entries).where(*posting_where)
                                .order_by(entries.c.id.desc())
                                .limit(PER_PAGE).offset(posted.offset)).all()
        stocked = conn.execute(sa.select(balances.c.warehouse_id).distinct()
                               .where(balances.c.app == app)).scalars().all()
        shown_products = {r.product_id for r in [*on_hand, *postings]}
        product_names = _titles(conn, runtime, products,
                                shown_products | ({product} if product and product > 0 else set()))
        warehouse_names = _titles(conn, runtime, warehouses, set(stocked))
    lines = entity.field(settings["lines_field"])
    return render(
        "stock_ledger/ledger", status=400 if errors else 200, app=runtime.model.apps[app],
        document=entity, products=products, warehouses=warehouses,
        product_names=product_names, warehouse_names=warehouse_names,
        product=product, warehouse=warehouse, errors=errors, number=number,
        balances=on_hand, entries=postings, stock=stock, posted=posted,
        product_field=lines.column(settings["product_field"]),
        product_path=f"{lines.name}.{settings['product_field']}",
    )


def _page_arg(name: str) -> int:
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else 1


class _Pager:
    """Which page of a table's matching rows the page shows, and how many there are."""

    def __init__(self, conn, table, where: list, page: int):
        self.total = conn.execute(sa.select(sa.func.count()).select_from(table)
                                  .where(*where)).scalar() or 0
        self.pages = max(1, -(-self.total // PER_PAGE))
        self.page = min(max(page, 1), self.pages)
        self.offset = (self.page - 1) * PER_PAGE

    def url(self, key: str, page: int) -> str:
        args = request.args.to_dict(flat=False)
        args[key] = [str(page)]
        args = {k: v for k, v in args.items() if not k.startswith("_q_")}
        return url_for(request.endpoint, **request.view_args, **args)


def _titles(conn, runtime, entity, ids: Iterable[int]) -> dict[int, str]:
    """Record titles by id (deleted records too), sorted by title."""
    ids = sorted(ids)
    if not ids:
        return {}
    main = runtime.schema[entity.qualified_name].main
    rows = conn.execute(sa.select(main.c.id, main.c._title, main.c._number)
                        .where(main.c.id.in_(ids))).all()
    names = {r.id: r._title or r._number or f"#{r.id}" for r in rows}
    return dict(sorted(((i, names.get(i, f"#{i}")) for i in ids), key=lambda p: p[1]))
