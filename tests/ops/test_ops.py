"""Operations: /healthz, /metrics, the request log and the production settings."""

from __future__ import annotations

import json

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from formflow import create_app
from formflow.settings import SettingsError, load_settings
from support.deploy_support import DEPLOY_APPS

TALLY = "tally/counter"
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metadata_path():
    return [DEPLOY_APPS]


@pytest.fixture
def app(make_app, metadata_path):
    return make_app(metadata_path, METRICS_TOKEN=TOKEN, LOG_FORMAT="json")


def metric_lines(client, name: str) -> list[str]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return [line for line in response.get_data(as_text=True).splitlines() if line.startswith(name)]


def request_lines(capsys) -> list[dict]:
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    return [line for line in lines if line["logger"] == "formflow.requests"]


# -- /healthz ---------------------------------------------------------------------------


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_naming_the_database_when_it_does_not_answer(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": "postgresql://formflow:hunter2@127.0.0.1:1/nowhere",
            "INSTANCE_PATH": str(tmp_path),
            "PLUGINS_PATH": [str(tmp_path)],
            "SECRET_KEY": "test-secret",
            "METRICS_TOKEN": TOKEN,
        }
    )
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "detail": "The database did not answer.",
    }
    assert "hunter2" not in response.get_data(as_text=True)
    assert any(
        'error="OperationalError"' in line
        for line in metric_lines(client, "formflow_db_errors_total")
    )


# -- /metrics ---------------------------------------------------------------------------


def test_metrics_do_not_exist_without_a_token(make_app, metadata_path):
    assert make_app(metadata_path).test_client().get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}"])
def test_metrics_need_the_token(client, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_metrics_count_requests_by_route_template_not_by_path(client, admin_api):
    ids = [admin_api.post(TALLY, json={"name": f"C{n}"}).get_json()["id"] for n in range(3)]
    for record_id in ids:
        assert admin_api.get(f"{TALLY}/{record_id}").status_code == 200
    client.open("/healthz", method="BREW")
    counts = metric_lines(client, "formflow_http_requests_total")
    read = (
        'formflow_http_requests_total{method="GET",'
        'route="/api/v1/<app>/<entity>/<int:record_id>",status="200"} 3.0'
    )
    assert read in counts
    assert not any(f"/{ids[0]}" in line for line in counts)
    assert any('method="OTHER"' in line and 'status="405"' in line for line in counts)
    assert any(
        'route="/api/v1/<app>/<entity>"' in line and 'status="201"' in line
        for line in metric_lines(client, "formflow_http_request_duration_seconds_bucket")
    )
    # the /metrics request itself is being answered while it counts
    assert 'formflow_http_requests_in_flight{method="GET"} 1.0' in metric_lines(
        client, "formflow_http_requests_in_flight"
    )


def test_metrics_count_database_errors_by_class(client, runtime):
    with pytest.raises(Exception), runtime.db.read() as conn:  # noqa: B017 - any driver error
        conn.exec_driver_sql("SELECT no_such_column FROM ff_users")
    errors = metric_lines(client, "formflow_db_errors_total")
    assert any(
        line.startswith("formflow_db_errors_total{error=") and line.endswith(" 1.0")
        for line in errors
    )


def test_workers_metrics_add_up_past_a_file_a_starting_worker_has_not_sized(
    client, tmp_path, monkeypatch
):
    """In multiprocess mode a worker starting up creates its file empty for a moment; the
    other workers' values are still served."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    written = MmapedDict(str(folder / "counter_101.db"))
    key = mmap_key("formflow_imports_total", "formflow_imports_total", [], [], "Imports.")
    written.write_value(key, 7.0, 0)
    written.close()
    (folder / "counter_102.db").touch()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    assert metric_lines(client, "formflow_imports_total") == ["formflow_imports_total 7.0"]


# -- request log ------------------------------------------------------------------------


def test_each_request_is_one_json_log_line(admin_api, capsys):
    capsys.readouterr()
    response = admin_api.post(TALLY, json={"name": "Logged"}, headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 201
    assert response.headers["X-Request-ID"] == "abc-123"
    (line,) = request_lines(capsys)
    assert {k: line[k] for k in ("method", "path", "status", "user", "request_id")} == {
        "method": "POST",
        "path": f"/api/v1/{TALLY}",
        "status": 201,
        "user": "admin",
        "request_id": "abc-123",
    }
    assert line["level"] == "INFO" and line["duration_ms"] >= 0 and line["pid"] > 0


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, capsys):
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": 'evil" id'})
    made = response.headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    assert request_lines(capsys)[0]["request_id"] == made


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_forwarded_addresses_count_only_from_trusted_proxies(
    make_app, metadata_path, capsys, proxies, seen
):
    client = make_app(metadata_path, LOG_FORMAT="json", TRUSTED_PROXIES=proxies).test_client()
    capsys.readouterr()
    client.get(
        "/healthz",
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert request_lines(capsys)[0]["remote_addr"] == seen


def test_text_log_lines_name_method_path_and_status(make_app, metadata_path, capsys):
    client = make_app(metadata_path).test_client()
    capsys.readouterr()
    client.get("/healthz")
    assert "INFO formflow.requests: GET /healthz 200 " in capsys.readouterr().err


# -- production settings ----------------------------------------------------------------


@pytest.mark.parametrize(("secure", "expected"), [(None, True), ("0", False)])
def test_production_cookies_are_secure_unless_switched_off(
    make_app, metadata_path, secure, expected
):
    settings = {"ENV": "production", "SECRET_KEY": "s" * 40}
    if secure is not None:
        settings["SECURE_COOKIES"] = secure
    client = make_app(metadata_path, **settings).test_client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert ("; Secure" in cookie) is expected
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.application.config["REMEMBER_COOKIE_SECURE"] is expected


def test_development_cookies_are_not_secure_unless_asked(make_app, metadata_path):
    assert (
        "; Secure" not in make_app(metadata_path).test_client().get("/login").headers["Set-Cookie"]
    )
    assert (
        "; Secure"
        in make_app(metadata_path, SECURE_COOKIES="yes")
        .test_client()
        .get("/login")
        .headers["Set-Cookie"]
    )


@pytest.mark.parametrize("secret", [None, "short"])
def test_production_refuses_to_start_without_a_long_secret_key(tmp_path, secret):
    settings = {"ENV": "production", "INSTANCE_PATH": str(tmp_path)}
    if secret:
        settings["SECRET_KEY"] = secret
    with pytest.raises(SettingsError, match="FORMFLOW_SECRET_KEY"):
        load_settings(settings)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ENV", "staging"),
        ("SECURE_COOKIES", "maybe"),
        ("TRUSTED_PROXIES", "-1"),
        ("TRUSTED_PROXIES", "one"),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "loud"),
        ("METADATA_CHECK_SECONDS", "soon"),
        ("METADATA_CHECK_SECONDS", "-1"),
        ("METADATA_CHECK_SECONDS", "nan"),
    ],
)
def test_an_invalid_operations_setting_stops_start_up_naming_it(tmp_path, name, value):
    with pytest.raises(SettingsError, match=f"FORMFLOW_{name}"):
        load_settings({name: value, "INSTANCE_PATH": str(tmp_path)})
