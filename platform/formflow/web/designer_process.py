"""The process builder (``/designer/<app>/processes/<p>``): the vertical flow with ⊕
between its nodes (and around groups of condition branches, and inside parallel
branches), the property panel of the selected node (a state, ``t:<transition>``, a
parallel branch ``b:<state>/<branch>`` or a join ``j:<state>``), a table view of states
and transitions, the live state diagram and the draft's process problems.

Like the form designer, every change is one request carrying the draft revision it
edited, made one call of the design service, answered by the whole builder again:
"Saved ✓", the problems, or — on a stale revision — a message asking to reload.

On a shipped app the same calls make the app's overlay: new states and transitions are
named ``x_…``, and what a site may not change (removing or renaming a shipped step)
comes back as the refusal, next to the button that forks the process."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from formflow.design.overlay_rules import SITE_PREFIX
from formflow.design.service import Draft
from formflow.errors import NotFound, StaleVersion, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.loader import build_process
from formflow.metadata.model import text_of
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_model import LABEL_LANGUAGES, label_of, propose_name, text
from formflow.web.designer_process_groups import (
    add_lane,
    add_parallel,
    lane_step,
    remove_group,
    remove_lane,
    step_after,
    step_before,
)
from formflow.web.designer_process_guard import guard_builder, guard_fields, guard_ops
from formflow.web.designer_process_lanes import (
    join_ops,
    lane_context,
    lane_ops,
    refuse_step_part,
)
from formflow.web.designer_process_model import Flow, branch_steps, sources
from formflow.web.designer_process_ops import (
    NotInProcess,
    add_branch,
    add_cc,
    add_end,
    add_step,
    new_process,
    remove_branch,
    remove_step,
)
from formflow.web.designer_process_panel import (
    APPROVER_RULES,
    PARTS,
    RULE_KINDS,
    panel_ops,
    required_of,
    rule_rows,
)
from formflow.web.designer_process_table import (
    TABLE_ACTIONS,
    BadValue,
    parallel_text,
    table_ops,
    transition_rows,
)
from formflow.web.forms import field_errors
from formflow.web.language import page_language
from formflow.web.process.diagram import diagram
from formflow.web.rendering import render

DEFAULT_LABEL = {"en": "Approval process", "zh-CN": "审批流程"}
INSERTS = {
    "step": add_step,
    "branch": add_branch,
    "cc": add_cc,
    "end": add_end,
    "before": step_before,
    "after": step_after,
    "parallel": add_parallel,
}
LANES = frozenset({"add_lane", "remove_lane", "lane_step"})
ACTIONS = frozenset(
    {*INSERTS, *LANES, "remove", "remove_branch", "set", "undo", "redo", *TABLE_ACTIONS}
)


def _document(draft: Draft, process: str) -> dict:
    document = draft.documents.get(f"processes/{process}.json")
    if not isinstance(document, dict):
        raise NotFound(Message("design_path_missing", {"path": f"processes/{process}"}))
    return document


def _diagram(app: str, document: dict, lang: str) -> Markup | None:
    """The state diagram of the draft's process; None while the document is too broken
    to draw (its problems say why)."""
    try:
        process = build_process(app, document)
        title = text_of(process.label, process.name, lang, {})
        return Markup(diagram(process, lang=lang, title=title, id_prefix="pb"))  # noqa: S704 - escaped by formflow.web.process.diagram
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _in_use(draft: Draft, document: dict, process: str) -> bool:
    """Whether the process is the one its entity runs (the one a fork replaces)."""
    entity = draft.documents.get(f"entities/{document.get('entity')}.json") or {}
    return entity.get("process") == process


def _fields(draft: Draft, document: dict) -> list[tuple[str, str]]:
    """(name, title) of the fields of the entity the process runs on."""
    entity = draft.documents.get(f"entities/{document.get('entity')}.json") or {}
    return [
        (f["name"], text(f.get("label"), page_language()) or f["name"])
        for f in entity.get("fields") or []
        if isinstance(f, dict) and f.get("name")
    ]


def _page(
    app: str,
    process: str,
    draft: Draft | None = None,
    status: int = 200,
    node: str | None = None,
    view: str | None = None,
    **context,
):
    user = signed_in()
    draft = draft or service().draft(user, app)
    document = _document(draft, process)
    lang = page_language()
    flow = Flow(document)
    prefix = f"processes/{process}"
    problems = [
        p for p in draft.problems if p["path"] == prefix or p["path"].startswith(prefix + "/")
    ]
    summary = next((a for a in service().apps(user) if a["name"] == app), {})
    shipped = summary.get("owner") == "shipped"
    editable = summary.get("owner") in ("site", "shipped")
    transition = None
    if node and node.startswith("t:"):
        key = node[2:]
        transition = next(
            (
                t
                for t in flow.transitions
                for s in sources(t)
                if f"{t.get('name')}@{s}>{t.get('to')}" == key
            ),
            None,
        )
    state = flow.states.get(node) if node else None
    in_branch = {step for _p, _b, steps in branch_steps(document) for step in steps}
    return render(
        "designer/process",
        "designer/_process_workbench",
        status=status,
        app=app,
        process_name=process,
        draft=draft,
        document=document,
        flow=flow,
        items=flow.items(),
        lang=lang,
        text=text,
        node=node,
        state=state,
        transition=transition,
        guard=guard_builder(app, process, draft, document, node, editable)
        if transition is not None
        else None,
        view="table" if view == "table" else "flow",
        problems=problems,
        **lane_context(app, process, draft, document, node, editable),
        svg=_diagram(app, document, lang),
        fields=_fields(draft, document),
        languages=LABEL_LANGUAGES,
        editable=editable,
        shipped=shipped,
        forkable=shipped and _in_use(draft, document, process),
        rule_kinds=RULE_KINDS,
        rule_rows=rule_rows,
        approver_rules=APPROVER_RULES,
        required=required_of(flow, node) if state else [],
        in_branch=in_branch,
        finals=[n for n, s in flow.states.items() if s.get("final")],
        parallel_text=parallel_text,
        transition_rows=transition_rows,
        **context,
    )


@web.get("/designer/<app>/processes/<process>")
def designer_process(app: str, process: str):
    return _page(app, process, node=request.args.get("node"), view=request.args.get("view"))


@web.post("/designer/<app>/processes")
def designer_add_process(app: str):
    """A new process for an entity, named from its title; the entity runs it."""
    user = signed_in()
    draft = service().draft(user, app)
    label = label_of(request.form)
    entity = request.form.get("entity", "")
    taken = {key[len("processes/") : -len(".json")] for key in draft.documents}
    name = propose_name((label or {}).get("en") or f"{entity} approval", taken, "process")
    try:
        ops = new_process(name, entity, label or DEFAULT_LABEL)
        service().apply(user, app, ops, draft.revision)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
        return redirect(url_for("web.designer_form", app=app, entity=entity))
    return redirect(url_for("web.designer_process", app=app, process=name))


def _ops(
    action: str, process: str, document: dict, form, own: str, fields: list[dict]
) -> tuple[str | None, list[dict]]:
    """The node to select afterwards and the operations one submission stands for;
    ``own`` starts the names of new states and transitions, ``fields`` are those a
    guard may test."""
    node = form.get("node") or None
    if action in INSERTS:
        extra = {"branch": (form.get("when", ""),), "end": (form.get("end", ""),)}
        edge = form.get("edge", "")
        made, ops = INSERTS[action](process, document, edge, *extra.get(action, ()), own=own)
        if action == "branch":  # its guard opens in the panel
            made = "t:" + ops[-1]["path"].rpartition("/")[2]
        elif action == "parallel":  # its join opens in the panel
            made = "j:" + made
        return made, ops
    if action in LANES:
        return _lane_ops(action, process, document, form, own)
    if action == "remove":
        parallel = Flow(document).states.get(node or "", {}).get("parallel")
        remove = remove_group if parallel else remove_step
        return None, remove(process, document, node or "")
    if action == "remove_branch":
        return None, remove_branch(process, document, (node or "").removeprefix("t:"))
    if action == "set":
        part = form.get("part", "")
        if part not in PARTS and part != "join":
            abort(400)
        if part == "join":
            return node, join_ops(process, document, node or "", form)
        if part == "guard":
            guarded = lane_ops if (node or "").startswith("b:") else guard_ops
            return node, guarded(process, document, node or "", form, fields)
        refuse_step_part(document, node, part)
        ops = panel_ops(process, document, node or "", part, form)
        return (form.get("name", "").strip() if part == "name" else node), ops
    return node, table_ops(action, process, document, form, own)


def action_title(action: str) -> str:
    """What an action of the builder does, as its refusal names it."""
    titles = {
        "before": _("Add a step before the branches"),
        "after": _("Add a step where the branches meet"),
        "parallel": _("Add parallel branches"),
        "add_lane": _("Add a parallel branch"),
        "remove_lane": _("Remove the parallel branch"),
        "lane_step": _("Add a step to the branch"),
        "step": _("Add an approval step"),
        "branch": _("Add a condition branch"),
        "remove": _("Remove the step"),
        "set": _("Save"),
    }
    return titles.get(action, action)


def _lane_ops(action: str, process: str, document: dict, form, own: str):
    """A branch more or less in the parallel state ``node``, or a step in one."""
    fork, branch = form.get("node") or "", form.get("branch", "")
    if action == "add_lane":
        return add_lane(process, document, fork, own)
    if action == "remove_lane":
        return fork, remove_lane(process, document, fork, branch)
    return lane_step(process, document, fork, branch, form.get("edge", ""), own)


@web.post("/designer/<app>/processes/<process>/ops")
def designer_process_ops(app: str, process: str):
    user = signed_in()
    form = request.form
    action = form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    revision = form.get("revision", type=int)
    node, view = form.get("node") or None, form.get("view")
    try:
        if action in ("undo", "redo"):
            draft = getattr(service(), action)(user, app, revision)
        else:
            current = service().draft(user, app)
            own = SITE_PREFIX if service().is_shipped(app) else ""
            document = _document(current, process)
            fields = guard_fields(current, document)
            node, ops = _ops(action, process, document, form, own, fields)
            draft = service().apply(user, app, ops, revision) if ops else current
    except StaleVersion:
        return _page(app, process, status=412, node=node, view=view, stale=True)
    except (NotInProcess, BadValue) as refused:
        why = (
            str(refused)
            if isinstance(refused, BadValue)
            else _("“%(what)s” is not in the process.", what=str(refused))
        )
        return _page(
            app,
            process,
            status=422,
            node=None,
            view=view,
            errors=[_("%(op)s: %(why)s", op=action_title(action), why=why)],
            missing=isinstance(refused, NotInProcess),
        )
    except ValidationFailed as failed:
        errors = [m for ms in field_errors(failed).values() for m in ms]
        return _page(app, process, status=422, node=node, view=view, errors=errors)
    if request.headers.get("HX-Request") != "true":
        return redirect(
            url_for(
                "web.designer_process",
                app=app,
                process=process,
                node=node,
                view=view if view == "table" else None,
            )
        )
    return _page(app, process, draft, node=node, view=view, saved=True)
