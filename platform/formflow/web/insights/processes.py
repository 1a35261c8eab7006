"""The insights pages: the process catalogue (``/insights/``), one process watched live
with its figures and its steps in words (``/insights/<app>/<process>``, the live part
refreshed by htmx polling), and two selections of its cases compared
(``.../compare``).  Who sees what is decided by :mod:`formflow.insights`."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.insights.charts import Box, box_plot
from formflow.web.insights.step_owners import StepOwners
from formflow.web.language import page_language
from formflow.web.process.diagram import layout, svg
from formflow.web.process.labels import ProcessLabels, duration
from formflow.web.rendering import render

#: Heat map colours, from no wait to the longest median wait of the process.
HEAT = ("#fff3cd", "#ffe08a", "#fdba74", "#f87171")
#: Seconds between refreshes of the live part.
REFRESH_SECONDS = 30


@web.get("/insights/")
def insights_home():
    user = signed_in()
    monitor = get_runtime().monitor
    if not monitor.may_watch_any(user):
        abort(403)
    lang = page_language()
    return render("insights/index", entries=monitor.catalogue(user), lang=lang,
                  model=get_runtime().model, duration=_hours_text, page_area="insights")


@web.get("/insights/<app>/<process>")
def insights_process(app: str, process: str):
    user, runtime, lang = signed_in(), get_runtime(), page_language()
    live = runtime.monitor.live(user, app, process)
    found = live["process"]
    figures = runtime.insights.figures(user, app, process)
    version = runtime.monitor.published_version(found)
    return render(
        "insights/process", "insights/_live",
        live=live, figures=figures, process=found, version=version, lang=lang,
        entity=runtime.model.entity(found.entity),
        state_rows={row["name"]: row for row in figures["states"]},
        labels=ProcessLabels(found, lang), owners=StepOwners(runtime.model, found, lang),
        heat_map=_heat_map(found, live, lang), duration=_hours_text,
        baselines=runtime.insights.baselines(user, app, process),
        refresh=REFRESH_SECONDS, may_reassign=user.is_admin, page_area="insights",
    )


@web.post("/insights/tasks/<int:task_id>/remind")
def insights_remind(task_id: int):
    """Remind the holder of an overdue task; back on the monitoring page."""
    user = signed_in()
    try:
        done = get_runtime().overdue.remind(user, task_id, request.form.get("comment"))
    except ServiceError as error:
        flash(error.message.render(page_language()), "danger")
    else:
        flash(_("Reminded the holder of the task on record #%(id)s.", id=done["record_id"]),
              "success")
    back = request.form.get("next", "")
    if not back.startswith("/insights/") or "//" in back or "\\" in back:
        back = url_for("web.insights_home")
    return redirect(back)


@web.get("/insights/<app>/<process>/compare")
def insights_compare(app: str, process: str):
    user, runtime, lang = signed_in(), get_runtime(), page_language()
    a, b = request.args.get("a", ""), request.args.get("b", "")
    found = runtime.insights.process(app, process)
    errors, result, chart = {}, None, None
    try:
        result = runtime.insights.compare(user, app, process, a, b)
    except ValidationFailed as error:
        errors = render_errors(error.errors, lang)
    else:
        chart = _cycle_box_plot(result)
    labels = ProcessLabels(found, lang)
    return render("insights/compare", process=found, result=result, errors=errors,
                  a=a, b=b, lang=lang, labels=labels, duration=_hours_text, chart=chart,
                  state_names=_state_names(result), status=422 if errors else 200,
                  page_area="insights")


def _cycle_box_plot(result: dict):
    """The cycle times of both sides as box plots (None while a side has no completed
    case)."""
    boxes = []
    for side in ("a", "b"):
        spread = result[side]["cycle_time_distribution"]
        if spread["p50"] is None:
            return None
        boxes.append(Box(_("Before") if side == "a" else _("After"), **spread))
    names = {"p10": _("fastest 10%% within"), "p25": _("a quarter within"),
             "p50": _("median"), "p75": _("three quarters within"),
             "p90": _("slowest 10%% above")}
    return box_plot(boxes, _("Cycle time of completed cases"), _hours_text, names,
                    "cycle-box-plot")


def _state_names(result: dict | None) -> list[str]:
    """The states either side visited, in the order they first appear."""
    if result is None:
        return []
    names = [row["name"] for side in ("a", "b") for row in result[side]["states"]]
    return list(dict.fromkeys(names))


def _heat_map(process, live: dict, lang: str) -> str:
    """The process diagram, each state with open tasks coloured by their median wait."""
    labels = ProcessLabels(process, lang)
    waiting = live["waiting"]
    longest = max((w["median_hours"] for w in waiting.values()), default=0) or 1
    heat = {}
    for state, wait in waiting.items():
        level = min(int(wait["median_hours"] / longest * (len(HEAT) - 1) + 0.5), len(HEAT) - 1)
        note = _("%(tasks)s waiting, median %(wait)s", tasks=wait["tasks"],
                 wait=_hours_text(wait["median_hours"]))
        heat[state] = (HEAT[level], note)
    drawing = layout(process, lang=lang, names=labels.names())
    return svg(drawing, title=process.label.text(lang), id_prefix="heat", heat=heat)


def _hours_text(hours: float | None) -> str:
    return "—" if hours is None else duration(hours * 3600)
