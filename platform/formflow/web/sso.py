"""Signing in through the company's identity provider (OpenID Connect).

``/login/sso`` sends the browser to the provider with a fresh state and nonce (kept in
the session); ``/login/sso/callback`` exchanges the code for tokens, and Authlib checks
the ID token (signature against the provider's published keys, issuer, audience, expiry
and nonce) before :class:`formflow.auth.single_sign_on.SingleSignOn` finds or makes the
user.  The session then starts exactly as after a password sign-in.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from joserfc.errors import JoseError

from formflow.auth.single_sign_on import SignInRefused
from formflow.i18n import Message
from formflow.runtime import get_runtime
from formflow.web.auth import start_session
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.redirects import local_path_or_empty

NEXT_KEY = "sso_next"


def init_sso(app: Flask) -> None:
    """Register the provider with Authlib when single sign-on is configured, and give
    the sign-in page what it shows."""
    runtime = app.extensions["formflow"]
    settings = runtime.sso_settings

    @app.context_processor
    def sign_in_choices():
        return {
            # None: no single sign-on; "": a provider without a configured name
            "runtime_sso_label": lambda: None if settings is None else settings.label,
            "local_passwords": lambda: runtime.settings["LOCAL_PASSWORDS"],
        }

    if settings is None:
        return
    oauth = OAuth(app)
    oauth.register(
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.scopes},
    )
    app.extensions["formflow_oauth"] = oauth


def _client():
    oauth = current_app.extensions.get("formflow_oauth")
    if oauth is None:
        abort(404)
    return oauth.oidc


@web.get("/login/sso")
def sso_start():
    client = _client()
    session[NEXT_KEY] = local_path_or_empty(request.args.get("next", ""))
    return client.authorize_redirect(url_for("web.sso_callback", _external=True))


@web.get("/login/sso/callback")
def sso_callback():
    client = _client()
    lang = page_language()
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo") or client.parse_id_token(token, None)
        signed = get_runtime().sso.sign_in(claims)
    except (OAuthError, JoseError, ValueError) as error:
        current_app.logger.warning("single sign-on failed: %s", error)
        flash(Message("sso_failed").render(lang), "error")
        return redirect(url_for("web.login_form"))
    except SignInRefused as refused:
        flash(Message(f"sso_{refused.reason}").render(lang), "error")
        return redirect(url_for("web.login_form"))
    target = session.pop(NEXT_KEY, "")
    start_session(signed.user, signed.stamp)
    return redirect(target or url_for("web.home"))
