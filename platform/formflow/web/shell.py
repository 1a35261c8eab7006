"""The frame of every page: navigation built from what the user may read, the language
switch, breadcrumbs, flash messages and error pages; and the home page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from formflow.auth import User
from formflow.errors import ServiceError
from formflow.http.language import request_language
from formflow.i18n import LANGUAGES, Message, negotiate
from formflow.metadata.model import App, Entity, Label
from formflow.plugins.declarations import call_with
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.csrf import csrf_token
from formflow.web.language import page_language
from formflow.web.process.inbox import open_items
from formflow.web.records.files import human_size
from formflow.web.redirects import local_path_or_empty
from formflow.web.rendering import is_htmx, render, templates_for

#: How many recent records and open tasks the home page shows.
RECENT = 10
HOME_TASKS = 5


@dataclass(frozen=True)
class MenuPage:
    """A plugin page in an app's menu."""

    label: str
    url: str


@dataclass(frozen=True)
class MenuApp:
    app: App
    entities: tuple[Entity, ...]
    pages: tuple[MenuPage, ...] = ()


def menu(user: User) -> list[MenuApp]:
    """The apps and entities ``user`` may read, in each app's menu order, and the plugin
    pages (menu links) they may see."""
    runtime = get_runtime()
    records = runtime.records
    found = []
    for app in runtime.model.apps.values():
        order = {name: index for index, name in enumerate(app.menu)}
        entities = sorted(
            app.entities.values(), key=lambda e: (order.get(e.name, len(order)), e.name)
        )
        readable = tuple(e for e in entities if records.grant(user, e).read)
        pages = tuple(plugin_pages(runtime, user, app.name))
        if readable or pages:
            found.append(MenuApp(app, readable, pages))
    return found


def plugin_pages(runtime, user: User, app: str) -> list[MenuPage]:
    """The menu links of the plugins ``app`` enabled that ``user`` may see."""
    plugins = runtime.plugins
    lang = page_language()
    found = []
    for link in runtime.menu_links:
        plugin = plugins.get(link.plugin)
        if plugin is None or not plugins.enabled(plugin, app):
            continue
        if link.visible is not None and not call_with(link.visible, {
            "user": user, "app": app, "settings": plugins.settings(link.plugin),
            "runtime": runtime,
        }):
            continue
        found.append(MenuPage(Label.of(link.label).text(lang), url_for(link.endpoint, app=app)))
    return found


@web.app_context_processor
def page_globals():
    user = current_user.user if current_user and current_user.is_authenticated else None
    return page_context(user, page_language())


def page_context(user: User | None, lang: str) -> dict:
    """What every page's frame needs: the navigation of ``user`` (none for a visitor)."""
    return {
        "csrf_token": csrf_token,
        "lang": lang,
        "languages": LANGUAGES,
        "current_account": user,
        "menu": (lambda: menu(user)) if user else (lambda: []),
        "may_watch_processes": (
            (lambda: get_runtime().monitor.may_watch_any(user)) if user else (lambda: False)
        ),
    }


@web.get("/")
def home():
    user = signed_in()
    return render("home", user=user, recent=recent_records(user), apps=menu(user),
                  tasks=open_items(user, HOME_TASKS),
                  dashboards=get_runtime().dashboards.available(user))


def recent_records(user: User, limit: int = RECENT) -> list[tuple[Entity, dict]]:
    """The records ``user`` changed last, across every entity they may read."""
    records = get_runtime().records
    found = []
    for item in menu(user):
        for entity in item.entities:
            try:
                page = records.list(
                    user,
                    entity.qualified_name,
                    {
                        "_updated_by": [user.username],
                        "sort": ["-_updated_at"],
                        "per_page": [str(limit)],
                    },
                )
            except ServiceError:
                continue
            found += [(entity, record) for record in page.items]
    found.sort(key=lambda pair: pair[1]["_updated_at"] or "", reverse=True)
    return found[:limit]


@web.post("/language")
def set_language():
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(local_path_or_empty(request.form.get("next", "")) or url_for("web.home"))


# -- errors --------------------------------------------------------------------------


@web.errorhandler(ServiceError)
def on_service_error(error: ServiceError):
    return error_page(error.status, error.message.render(page_language()))


@web.errorhandler(403)
@web.errorhandler(404)
@web.errorhandler(400)
@web.errorhandler(405)
@web.errorhandler(413)
def on_http_error(error: HTTPException):
    if error.code == 400 and error.description == "csrf":
        return error_page(400, _("The form has expired. Reload the page and try again."))
    texts = {
        403: _("You may not open this page."),
        404: _("This page does not exist, or you may not see it."),
        413: _too_large_text(),
    }
    return error_page(error.code or 500, texts.get(error.code, error.description or ""))


def _too_large_text() -> str:
    limit = request.max_content_length
    if limit and (request.content_length or 0) > limit:
        return _("The form is too large: it may hold at most %(size)s.", size=human_size(limit))
    return _("The upload is too large.")


def error_page(status: int, detail: str):
    return render("errors/error", "errors/_error", status=status, code=status, detail=detail)


def outage_page(detail: Message) -> Response:
    """The 503 page for when the database cannot be used.  It is rendered as to a
    visitor and without the context processors: the signed-in user, their language
    setting and the menu would all need the database that just failed."""
    chosen = session.get("lang")
    lang = chosen if chosen in LANGUAGES else request_language()
    partial = templates_for("errors/_error")
    names = partial if is_htmx() else templates_for("errors/error")
    context = {**page_context(None, lang), "request": request, "session": session, "g": g,
               "partial": partial, "code": 503, "detail": detail.render(lang)}
    with force_locale(negotiate(lang).replace("-", "_")):
        html = current_app.jinja_env.get_or_select_template(names).render(context)
    response = make_response(html, 503)
    response.vary.add("HX-Request")
    return response


def flash_error(error: ServiceError) -> None:
    flash(error.message.render(page_language()), "error")
