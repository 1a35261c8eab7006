"""The app factory and its settings."""

from __future__ import annotations

import json

import pytest

from formflow import create_app
from formflow.metadata.problems import MetadataError
from formflow.settings import SettingsError, load_settings


def test_environment_variables_override_defaults_and_the_mapping_overrides_both(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("FORMFLOW_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("FORMFLOW_LOGIN_ATTEMPTS", "9")
    settings = load_settings({"LOGIN_ATTEMPTS": 3, "INSTANCE_PATH": str(tmp_path)})
    assert str(settings["TIMEZONE"]) == "Europe/Berlin"
    assert settings["LOGIN_ATTEMPTS"] == 3


def test_a_dotenv_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("FORMFLOW_TIMEZONE=Asia/Tokyo\n")
    assert str(load_settings({"INSTANCE_PATH": str(tmp_path)})["TIMEZONE"]) == "Asia/Tokyo"


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'formflow.db'}"


def test_a_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert len(first) >= 32
    assert load_settings({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("TIMEZONE", "Mars/Olympus"), ("LOGIN_ATTEMPTS", "many"), ("DATABASE_URL", "not a url"),
     ("PASSWORD_MIN_LENGTH", "6"), ("PASSWORD_MIN_LENGTH", "long"), ("TOKEN_DAYS", "-1"),
     ("PASSWORD_CHECK_COMMON", "maybe"), ("PASSWORD_CHANGE_REVOKES_TOKENS", "sometimes")],
)
def test_an_invalid_setting_stops_start_up_naming_it(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value, "INSTANCE_PATH": str(tmp_path)})


def test_invalid_metadata_stops_start_up_with_every_problem(tmp_path):
    app = tmp_path / "apps" / "shop"
    (app / "entities").mkdir(parents=True)
    (app / "app.json").write_text(json.dumps({"name": "shop"}))
    (app / "entities" / "item.json").write_text(
        json.dumps(
            {
                "name": "item",
                "fields": [{"name": "a", "type": "lnk"}, {"name": "b", "type": "link"}],
            }
        )
    )
    with pytest.raises(MetadataError) as error:
        create_app({"METADATA_PATH": [str(tmp_path / "apps")], "INSTANCE_PATH": str(tmp_path)})
    text = str(error.value)
    assert "shop/entities/item.json: fields/0/type" in text
    assert "shop/entities/item.json: fields/1" in text


def test_security_settings_of_the_session_cookie(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
