"""Stock on hand on the product record, and reorder alerts.

After a posting, each product it moved gets the total on hand across the app's
warehouses in its ``on_hand_field``, saved through the records service so computed
fields follow: the product's ``reorder_flag_field`` (a boolean the app computes, such as
``reorder_level > 0 and on_hand <= reorder_level``) is recomputed with it.  When a
posting turns that flag on, everyone holding one of ``reorder_roles`` gets a ``reorder``
notification.  An app whose product entity has neither field gets neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa

from formflow.plugins import SYSTEM, user_ids_with_role

from .ledger import balances, product_entity

KIND = "reorder"
TEXTS = {
    KIND: {
        "en": ("Reorder", "{entity} “{title}” is at or below its reorder level: time to "
                          "reorder."),
        "zh-CN": ("补货提醒", "{entity}“{title}”的库存已降至再订货点或以下，请及时补货。"),
    },
}


def refresh(conn, app: str, entity, products: Iterable[int], settings, runtime) -> list[int]:
    """Write the new stock on hand on each of ``products`` and alert the reorder roles
    about those that now need reordering; returns those products' ids."""
    target = product_entity(runtime.model, entity, settings)
    field = target.field(settings["on_hand_field"])
    if field is None:
        return []
    flag = settings["reorder_flag_field"]
    main = runtime.schema[target.qualified_name].main
    raised = []
    for product in sorted(set(products)):  # one lock order for every writer
        conn.execute(sa.select(main.c.id).where(main.c.id == product).with_for_update())
        current = runtime.internal_records.load(conn, target.qualified_name, product)
        if current is None:  # deleted meanwhile: its stock is still in the ledger
            continue
        quantity = _quantized(total_on_hand(conn, app, product), field.scale)
        if current.get(field.name) == quantity:
            continue
        saved = runtime.internal_records.change_in(
            conn, SYSTEM, target, current, {field.name: quantity}
        )
        if saved.get(flag) and not current.get(flag):
            raised.append(product)
    if raised:
        people = set()
        for role in settings["reorder_roles"]:
            people |= user_ids_with_role(conn, role)
        for product in raised:
            runtime.notifications.send(conn, people, KIND, target.qualified_name, product)
    return raised


def total_on_hand(conn, app: str, product: int) -> Decimal:
    """Stock on hand of ``product`` across the warehouses of ``app``."""
    value = conn.execute(sa.select(sa.func.sum(balances.c.quantity)).where(
        balances.c.app == app, balances.c.product_id == product)).scalar()
    return Decimal(value or 0)


def _quantized(value: Decimal, scale: int | None) -> Decimal:
    """``value`` with the field's decimal places (the ledger keeps four)."""
    return value.quantize(Decimal(1).scaleb(-scale)) if scale is not None else value


def mapping_problem(model, entity, settings) -> str | None:
    """What in the product entity does not fit the reorder settings, or None."""
    target = product_entity(model, entity, settings)
    on_hand = target.field(settings["on_hand_field"])
    if on_hand is not None and on_hand.type != "decimal":
        return f"{target.name}.{on_hand.name} must be a decimal field"
    flag = target.field(settings["reorder_flag_field"])
    if flag is not None and flag.type != "boolean":
        return f"{target.name}.{flag.name} must be a boolean field"
    return None
