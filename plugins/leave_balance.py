"""Leave balances (假期余额): a leave request may not ask for more days than the
employee has left, and its final approval deducts the days from the balance.

Enable it in an app's ``app.json`` (``"plugins": ["leave_balance"]``).  The app needs
(every name is a setting; defaults in brackets, override one with
``FORMFLOW_PLUGIN_LEAVE_BALANCE_<KEY>``)::

    leave_request [request]                   the entity of leave requests, with a process
      employee [employee_field]               link to the employee entity
      kind [kind_field]                       select: the leave type
      days [days_field]                       decimal: the days asked for
    process state "approved" [approved_state] final; entering it deducts the days
    employee entity                           a decimal field per leave type with a
                                              balance [balances]: {"annual":
                                              "annual_leave_balance", "in_lieu":
                                              "comp_leave_balance"}

Leave types without a balance (sick, personal, ...) are not counted.  Saving a request
of a counted type checks the days against the balance (the error names the balance);
so does the move into ``approved_state``, with the employee's row locked (``SELECT ...
FOR UPDATE`` on PostgreSQL; SQLite serializes writers) until the action commits, and
the days are deducted in the same transaction: two approvals at once cannot both spend
the same days.  A request rejected, withdrawn or cancelled never reached the approved
state, so it deducts nothing.  ``startup`` checks the settings against every app that
enables the plugin.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from formflow.plugins import SYSTEM, Message, hookimpl, message

MANIFEST = {
    "name": "leave_balance",
    "version": "1.0",
    "description": {
        "en": "Checks leave requests against the employee's leave balance and deducts "
              "approved days.",
        "zh-CN": "按员工的假期余额检查请假申请，审批通过后扣减天数。",
    },
    "settings": {
        "request": "leave_request",
        "employee_field": "employee",
        "kind_field": "kind",
        "days_field": "days",
        "approved_state": "approved",
        "balances": {"annual": "annual_leave_balance", "in_lieu": "comp_leave_balance"},
    },
}


@hookimpl
def startup(app, settings, runtime):
    plugin = runtime.plugins.get(MANIFEST["name"])
    for name in runtime.model.apps:
        if runtime.plugins.enabled(plugin, name):
            problem = mapping_problem(runtime.model, name, settings)
            if problem:
                raise ValueError(f"app {name}: {problem} (see the leave_balance settings)")


@hookimpl
def record_validate(conn, entity, record, settings, runtime):
    if entity.name != settings["request"] or record.get("_state") == settings["approved_state"]:
        return None
    problem = _shortfall(conn, entity, record, settings, runtime, lock=False)
    return {settings["days_field"]: [problem]} if problem else None


@hookimpl
def process_before_transition(conn, entity, record, from_state, to_state, settings, runtime):
    if not _approving(entity, from_state, to_state, settings):
        return None
    return _shortfall(conn, entity, record, settings, runtime, lock=True)


@hookimpl
def process_after_transition(conn, entity, record, from_state, to_state, settings, runtime):
    if not _approving(entity, from_state, to_state, settings):
        return
    found = _balance(conn, entity, record, settings, runtime, lock=True)
    if found is None:
        return
    employees, employee, field = found
    left = (employee.get(field.name) or Decimal(0)) - _days(record, settings)
    runtime.internal_records.change_in(conn, SYSTEM, employees, employee, {field.name: left})


# -- the balance ----------------------------------------------------------------------------


def _approving(entity, from_state: str, to_state: str, settings) -> bool:
    approved = settings["approved_state"]
    return entity.name == settings["request"] and to_state == approved != from_state


def _days(record, settings) -> Decimal:
    return Decimal(record.get(settings["days_field"]) or 0)


def _balance(conn, entity, record, settings, runtime, *, lock: bool):
    """(employee entity, employee record, balance field) of a counted request, else None.
    With ``lock``, the employee's row stays locked until the transaction ends."""
    name = settings["balances"].get(record.get(settings["kind_field"]))
    employee_id = record.get(settings["employee_field"])
    if name is None or employee_id is None:
        return None
    employees = runtime.model.entity(entity.field(settings["employee_field"]).to)
    if lock:
        main = runtime.schema[employees.qualified_name].main
        conn.execute(sa.select(main.c.id).where(main.c.id == employee_id).with_for_update())
    employee = runtime.internal_records.load(conn, employees.qualified_name, employee_id)
    if employee is None:
        return None  # the link's own validation reports it
    return employees, employee, employees.field(name)


def _shortfall(conn, entity, record, settings, runtime, *, lock: bool) -> Message | None:
    """The refusal when the request asks for more days than are left, else None."""
    found = _balance(conn, entity, record, settings, runtime, lock=lock)
    if found is None:
        return None
    _, employee, field = found
    left, days = employee.get(field.name) or Decimal(0), _days(record, settings)
    if days <= left:
        return None
    kind = _option_label(entity.field(settings["kind_field"]), record[settings["kind_field"]])
    who = employee.get("_title") or f"#{employee['id']}"
    return message({
        "en": f"Not enough {kind.text('en').lower()} left: {who} has {_text(left)} days, "
              f"this request needs {_text(days)}.",
        "zh-CN": f"{kind.text('zh-CN')}余额不足：{who} 剩余 {_text(left)} 天，"
                 f"本次申请 {_text(days)} 天。",
    })


def _option_label(field, value):
    return next(o.label for o in field.options if o.value == value)


def _text(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text if text != "-0" else "0"


def mapping_problem(model, app: str, settings) -> str | None:
    """What in ``app`` does not fit the settings, or None."""
    entity = model.entity(f"{app}.{settings['request']}")
    if entity is None:
        return f"no entity {settings['request']!r}"
    process = model.process_for(entity)
    state = process.state(settings["approved_state"]) if process else None
    if state is None or not state.final:
        return f"{entity.name} needs a process with a final state {settings['approved_state']!r}"
    for key, kinds in (("employee_field", ("link",)), ("kind_field", ("select",)),
                       ("days_field", ("decimal", "integer"))):
        field = entity.field(settings[key])
        if field is None or field.type not in kinds:
            return f"{entity.name} needs a {' or '.join(kinds)} field {settings[key]!r}"
    employees = model.entity(entity.field(settings["employee_field"]).to)
    kinds = {o.value for o in entity.field(settings["kind_field"]).options}
    for kind, name in settings["balances"].items():
        if kind not in kinds:
            return f"{entity.name}.{settings['kind_field']} has no option {kind!r}"
        field = employees.field(name)
        if field is None or field.type != "decimal":
            return f"{employees.name} needs a decimal field {name!r}"
    return None
