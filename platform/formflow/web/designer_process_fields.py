"""The step panel's field permissions (表单权限, as in DingTalk and Feishu approval
nodes): each field of the entity may be changed by the step's actors, only read, or
hidden from them (可编辑 / 只读 / 隐藏), and the step's main action may require it.  Pure:
form values in, ``set`` operations on ``processes/<p>/states/<s>`` out; the draft check
says what does not fit (a field both required and hidden, say)."""

from __future__ import annotations

from typing import Any

from formflow.web.designer_process_model import Flow, key_of, sources

#: A field's access in a step, as the panel's radio buttons post it.
ACCESS = ("editable", "read", "hidden")


def _chosen(form: Any, access: str) -> list[str]:
    """The fields posted as ``access``: the table's radio buttons (``access_<field>``),
    or a plain list under the access's own name."""
    names = list(form.getlist(access)) if access != "read" else []
    for key in form:
        field = key.removeprefix("access_")
        if key != field and form.get(key) == access and field not in names:
            names.append(field)
    return names


def field_ops(base: str, flow: Flow, node: str, form: Any) -> list[dict]:
    """The operations of the step panel's field permissions of state ``node``."""
    path = f"{base}/states/{node}"
    editable: Any = "*" if form.get("editable_all") == "on" else _chosen(form, "editable")
    required = form.getlist("required") or None
    return [
        {"op": "set", "path": f"{path}/editable", "value": editable or None},
        {"op": "set", "path": f"{path}/hidden", "value": _chosen(form, "hidden") or None},
    ] + [
        {"op": "set", "path": f"{base}/transitions/{key_of(t, node)}/required", "value": required}
        for t in flow.leaving(node)
        if t.get("name") == flow.main_action(node) and node in sources(t)
    ]
