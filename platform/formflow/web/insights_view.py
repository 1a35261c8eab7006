"""The insights pages: the process catalogue (``/insights/``), one process watched live
with its figures and its steps in words (``/insights/<app>/<process>``, the live part
refreshed by htmx polling), and two selections of its cases compared
(``.../compare``).  Who sees what is decided by :mod:`formflow.insights`."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.diagram import layout, svg
from formflow.web.language import page_language
from formflow.web.process_labels import ProcessLabels, duration
from formflow.web.rendering import render
from formflow.web.step_owners import StepOwners

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
        refresh=REFRESH_SECONDS, page_area="insights",
    )


@web.get("/insights/<app>/<process>/compare")
def insights_compare(app: str, process: str):
    user, runtime, lang = signed_in(), get_runtime(), page_language()
    a, b = request.args.get("a", ""), request.args.get("b", "")
    found = runtime.insights.process(app, process)
    errors, result = {}, None
    try:
        result = runtime.insights.compare(user, app, process, a, b)
    except ValidationFailed as error:
        errors = render_errors(error.errors, lang)
    return render("insights/compare", process=found, result=result, errors=errors,
                  a=a, b=b, lang=lang, labels=ProcessLabels(found, lang), duration=_hours_text,
                  status=422 if errors else 200, page_area="insights")


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
