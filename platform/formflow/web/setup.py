"""What the pages need on the app: the template folders (plugins' before
``templates/``), Flask-Login, Flask-Babel and the template helpers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from jinja2 import ChoiceLoader, FileSystemLoader

from formflow.runtime import Runtime
from formflow.web.auth import load_account
from formflow.web.language import babel_locale, babel_timezone
from formflow.web.records import display
from formflow.web.records.field_templates import register_field_templates
from formflow.web.sso import init_sso

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def init_web(app: Flask) -> None:
    runtime: Runtime = app.extensions["formflow"]
    plugin_templates = runtime.plugins.template_folders()
    if plugin_templates:
        app.jinja_loader = ChoiceLoader(
            [FileSystemLoader(plugin_templates), FileSystemLoader(app.template_folder)]
        )
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    login = LoginManager()
    login.user_loader(load_account)
    login.session_protection = "basic"
    login.init_app(app)
    Babel(app, locale_selector=babel_locale, timezone_selector=babel_timezone)
    display.register_filters(app)
    register_field_templates(app)
    init_sso(app)
