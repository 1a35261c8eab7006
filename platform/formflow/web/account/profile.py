"""The signed-in user's own page: change the password (under the account policy, which
may revoke the user's API tokens), create tokens with a lifetime, list and revoke them;
the deputies section posts to :mod:`formflow.web.account.delegations`."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _

from formflow.auth.accounts import WrongPassword
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.auth import login_key, signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.rendering import render


def render_profile(status: int = 200, **context):
    """The profile page; ``context``: what a refused form shows again."""
    user = signed_in()
    return render(
        "profile/profile",
        user=user,
        tokens=get_runtime().accounts.tokens(user),
        delegations=get_runtime().delegations.list(user),
        process_choices=process_choices(),
        token_days_default=get_runtime().account_policy.token_days,
        status=status,
        crumbs=[(_("Profile"), None)],
        **context,
    )


def process_choices() -> list[tuple[str, str]]:
    """(qualified name, label) of every process, by label, for the deputies form."""
    lang = page_language()
    found = [(p.qualified_name, p.label.text(lang))
             for app in get_runtime().model.apps.values() for p in app.processes.values()]
    return sorted(found, key=lambda pair: pair[1])


@web.get("/profile")
def profile():
    return render_profile()


@web.post("/profile/password")
def change_password():
    user = signed_in()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    errors: dict[str, list[str]] = {}
    if new != request.form.get("confirm_password", ""):
        errors["confirm_password"] = [_("The two new passwords differ.")]
    runtime = get_runtime()
    key = login_key(user.username)
    if not errors and runtime.login_throttle.attempt(key):
        errors["current_password"] = [_("Too many attempts. Try again later.")]
    if not errors:
        try:
            # this session goes on; every other one of the user ends
            session["auth_stamp"] = runtime.accounts.change_password(user, current, new)
        except WrongPassword:
            errors["current_password"] = [_("The current password is wrong.")]
        except ValidationFailed as failed:
            errors["new_password"] = render_errors(failed.errors, page_language()).get(
                "password", [_("Choose another password.")]
            )
    if errors:
        return render_profile(422, password_errors=errors)
    runtime.login_throttle.succeeded(key)
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("web.profile"))


@web.post("/profile/tokens")
def new_token():
    user = signed_in()
    runtime = get_runtime()
    try:
        token = runtime.accounts.create_token(user, request.form.get("name", ""),
                                              request.form.get("days"))
    except ValidationFailed as failed:
        return render_profile(
            422,
            token_errors=render_errors(failed.errors, page_language()),
            token_name=request.form.get("name", ""),
            token_days=request.form.get("days", ""),
        )
    return render_profile(new_token=token)


@web.post("/profile/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    user = signed_in()
    try:
        get_runtime().accounts.revoke_token(user, token_id)
    except NotFound:
        flash(_("No such token."), "error")
        return redirect(url_for("web.profile"))
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("web.profile"))
