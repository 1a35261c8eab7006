"""Server-rendered pages: sign in and out, and the home page."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from formflow.api.language import request_language
from formflow.auth import User, authenticate, get_user
from formflow.i18n import Message
from formflow.runtime import get_runtime
from formflow.web.csrf import check_csrf, csrf_token

web = Blueprint("web", __name__)


@web.app_context_processor
def template_globals():
    return {"csrf_token": csrf_token, "lang": request_language(g.get("web_user"))}


def signed_in_user() -> User | None:
    if "web_user" not in g:
        user_id = session.get("user_id")
        with get_runtime().db.read() as conn:
            user = get_user(conn, user_id) if user_id else None
        g.web_user = user if user and user.active else None
    return g.web_user


@web.get("/login")
def login_form():
    return render_template("auth/login.html", next=request.args.get("next", ""))


@web.post("/login")
def login():
    check_csrf()
    runtime = get_runtime()
    username = request.form.get("username", "").strip()
    key = f"{username.lower()}|{request.remote_addr}"
    wait = runtime.login_throttle.retry_after(key)
    lang = request_language()
    if wait:
        flash(Message("too_many_attempts", {"seconds": wait}).render(lang), "error")
        return render_template("auth/login.html", username=username), 429
    with runtime.db.write() as conn:
        user = authenticate(conn, username, request.form.get("password", ""))
    if user is None:
        runtime.login_throttle.failed(key)
        flash(Message("bad_credentials").render(lang), "error")
        return render_template("auth/login.html", username=username), 401
    runtime.login_throttle.succeeded(key)
    session.clear()  # a new session on sign-in: no fixation
    session["user_id"] = user.id
    csrf_token()
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("web.home"))


@web.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("web.login_form"))


@web.get("/")
def home():
    user = signed_in_user()
    if user is None:
        return redirect(url_for("web.login_form", next=request.path))
    runtime = get_runtime()
    apps = [
        (app, [e for e in app.entities.values() if runtime.records.grant(user, e).read])
        for app in runtime.model.apps.values()
    ]
    return render_template("home.html", user=user, apps=[(a, es) for a, es in apps if es])
