"""Sign in and out.  Flask-Login keeps the signed-in user in the session cookie
(HttpOnly, SameSite=Lax) with a stamp of their password and session epoch, checked on
every request: changing the password ends every other session, and signing out or being
deactivated ends every session of the user, a copied cookie included.  Every page but
sign-in needs a signed-in user, and every POST to a page needs the session's CSRF token
(a form field, or the ``X-CSRF-Token`` header htmx sends from ``hx-headers`` on
``<body>``).  Sign-ins are rate-limited per user name and address
(:class:`formflow.auth.LoginThrottle`): each attempt is counted before the password is
checked, so attempts sent at once cannot overrun the limit.  The page to go to after
signing in (``next``) must be a path on this site (:mod:`formflow.web.redirects`)."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user, logout_user

from formflow.auth import User
from formflow.i18n import Message, wait_span
from formflow.runtime import get_runtime
from formflow.web.blueprint import web
from formflow.web.csrf import check_csrf, csrf_token
from formflow.web.language import page_language
from formflow.web.redirects import local_path_or_empty
from formflow.web.rendering import is_htmx, render

#: Pages anyone may open.
PUBLIC_ENDPOINTS = frozenset({"web.login_form", "web.login", "web.set_language",
                              "web.sso_start", "web.sso_callback"})


class Account(UserMixin):
    """The signed-in user as Flask-Login sees it."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)

    @property
    def is_active(self) -> bool:
        return self.user.active


def load_account(user_id: str) -> Account | None:
    if not user_id.isdigit():
        return None
    user = get_runtime().accounts.session_user(int(user_id), session.get("auth_stamp"))
    return Account(user) if user is not None else None


def signed_in() -> User:
    """The signed-in user (pages run behind :func:`require_sign_in`)."""
    return current_user.user


@web.before_request
def require_sign_in():
    if request.method == "POST":
        check_csrf()
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    target = url_for(
        "web.login_form", next=request.full_path.rstrip("?") if request.method == "GET" else None
    )
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@web.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    return render("auth/login", next=local_path_or_empty(request.args.get("next", "")))


@web.post("/login")
def login():
    runtime = get_runtime()
    if not runtime.settings["LOCAL_PASSWORDS"]:
        flash(Message("passwords_off").render(page_language()), "error")
        return render("auth/login", next="", status=403)
    username = request.form.get("username", "").strip()
    asked = request.form.get("next", "")
    target = local_path_or_empty(asked)
    lang = page_language()
    if asked and not target:
        flash(Message("next_not_local").render(lang), "error")
        return render("auth/login", username=username, next="", status=400)
    key = login_key(username)
    wait = runtime.login_throttle.attempt(key)  # counted before the password is checked
    if wait:
        flash(Message("too_many_attempts", {"wait": wait_span(wait)}).render(lang), "error")
        return render("auth/login", username=username, next=target, status=429)
    signed = runtime.accounts.sign_in(username, request.form.get("password", ""))
    if signed is None:
        flash(Message("bad_credentials").render(lang), "error")
        return render("auth/login", username=username, next=target, status=401)
    runtime.login_throttle.succeeded(key)
    start_session(signed.user, signed.stamp)
    return redirect(target or url_for("web.home"))


def start_session(user: User, stamp: str | None) -> None:
    """Sign ``user`` in: a new session (no fixation), the language kept."""
    chosen = session.get("lang")
    session.clear()
    login_user(Account(user))
    session["user_id"] = user.id  # the REST API accepts the page session too
    session["auth_stamp"] = stamp
    if chosen:
        session["lang"] = chosen
    csrf_token()


@web.post("/logout")
def logout():
    get_runtime().accounts.sign_out(signed_in())  # a copied cookie ends with this one
    logout_user()
    chosen = session.get("lang")
    session.clear()
    if chosen:
        session["lang"] = chosen
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.login_form"))


def login_key(username: str) -> str:
    """The rate-limit key of password attempts for ``username`` from this address."""
    return f"login:{username.lower()}|{request.remote_addr}"
