"""The shipped webhooks plugin, against a local HTTP server: endpoints managed by admins,
signed deliveries after commit, retries with back-off from ``formflow tick``, the
delivery log, and the refusal of internal targets (SSRF).

Only loopback is ever connected to: the local receiver is allowed through the plugin's
``allow`` setting, and every other host name is answered by a stand-in resolver."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from formflow import outbound
from formflow.auth import create_token, get_user_by_name
from formflow.cli import main
from formflow.fields.columns import utcnow
from support import ROOT, TEST_APPS
from support.api_client import ApiClient
from support.helpers import counting_queries
from support.web_support import sign_in

APPS = [TEST_APPS / "plugins", TEST_APPS / "stock"]
ADMIN_HOOKS = "/api/v1/admin/webhooks"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers with the
    queued statuses (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.on_request = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                entry = {"path": self.path, "headers": dict(self.headers), "body": body}
                if receiver.on_request is not None:
                    entry["seen"] = receiver.on_request(json.loads(body))
                receiver.requests.append(entry)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


#: The receiver runs on loopback, which endpoints may only target when allowed.
LOOPBACK_ALLOWED = {"PLUGINS_PATH": [str(ROOT / "plugins")], "PLUGIN_WEBHOOKS_ALLOW": "127.0.0.1"}
#: What the stand-in resolver answers; any other name does not resolve.
NAMES = {
    "example.com": ["93.184.216.34"],
    "hooks.example.net": ["93.184.216.34"],
    "inward.example.net": ["10.0.0.7"],
    "mixed.example.net": ["93.184.216.34", "192.168.1.1"],
    "metadata.example.net": ["169.254.169.254"],
    "six.example.net": ["::1"],
    "erp.corp.local": ["10.1.2.3"],
}


@pytest.fixture
def app(make_app):
    return make_app(APPS, **LOOPBACK_ALLOWED)


@pytest.fixture(autouse=True)
def resolver(request, monkeypatch):
    """Host names resolve through ``NAMES`` (``resolver.names``), never through DNS;
    ``resolver.asked`` lists the names looked up."""

    class Resolver:
        names = dict(NAMES)
        asked: list[str] = []

        def lookup(self, host, port):
            self.asked.append(host)
            if host not in self.names:
                raise OSError(f"{host}: no such name")
            return list(self.names[host])

    fake = Resolver()
    if "app" in request.fixturenames:
        request.getfixturevalue("app")  # the plugin's modules are loaded with the app
        monkeypatch.setattr(outbound, "lookup", fake.lookup)
    return fake


@pytest.fixture
def user_api(make_user, api_as):
    return api_as(make_user("uma"))


@pytest.fixture
def hook(admin_api, receiver):
    """Register an endpoint for shop.item: create and update; returns its JSON (with the
    secret)."""
    def register(**values):
        body = {"url": receiver.url, "entity": "shop.item", "events": ["create", "update"],
                **values}
        response = admin_api.post(ADMIN_HOOKS, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return register


def deliveries(admin_api, endpoint_id):
    return admin_api.get(f"{ADMIN_HOOKS}/{endpoint_id}/deliveries").get_json()["items"]


def test_a_change_is_posted_signed_to_the_registered_endpoint(admin_api, hook, receiver):
    endpoint = hook()
    created = admin_api.post("shop/item", json={"name": "Tea", "price": "3.50"}).get_json()
    [request] = receiver.requests
    body = request["body"]
    expected = "sha256=" + hmac.new(endpoint["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Formflow-Signature"] == expected
    assert request["headers"]["X-Formflow-Event"] == "create"
    payload = json.loads(body)
    assert payload["event"] == "create" and payload["entity"] == "shop.item"
    assert payload["record_id"] == created["id"] and payload["actor"] == "admin"
    assert payload["record"]["name"] == "Tea" and payload["record"]["price"] == "3.50"
    [delivery] = deliveries(admin_api, endpoint["id"])
    assert request["headers"]["X-Formflow-Delivery"] == str(delivery["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["log"][0]["status_code"] == 200


def test_only_subscribed_events_of_the_entity_are_sent(admin_api, hook, receiver):
    hook(events=["update"])
    hook(entity="other.item", events=["create"])
    item = admin_api.post("shop/item", json={"name": "Tea"}).get_json()
    assert receiver.requests == []
    admin_api.patch(f"shop/item/{item['id']}", json={"price": "4"})
    [payload] = receiver.bodies()
    assert payload["event"] == "update"
    assert payload["previous"]["price"] is None and payload["record"]["price"] == "4.00"


def test_an_inactive_endpoint_gets_nothing(admin_api, hook, receiver):
    endpoint = hook()
    admin_api.patch(f"{ADMIN_HOOKS}/{endpoint['id']}", json={"active": False})
    admin_api.post("shop/item", json={"name": "Tea"})
    assert receiver.requests == [] and deliveries(admin_api, endpoint["id"]) == []


def _plugin_module(name: str):
    """A module of the webhooks plugin as the running app loaded it."""
    return importlib.import_module(f"formflow_plugin_webhooks.{name}")


def test_a_save_nobody_subscribes_to_does_not_read_the_endpoints(runtime, admin_api, hook):
    hook(events=["delete"])
    admin_api.post("shop/item", json={"name": "First"})  # the worker reads the endpoints
    with counting_queries(runtime.db.engine) as seen:
        admin_api.post("shop/item", json={"name": "Tea"})
    assert seen and not [s for s in seen if "webhooks_endpoints" in s]


def test_an_endpoint_added_by_another_worker_counts_within_the_refresh_time(
    runtime, admin_api, receiver
):
    now = [0.0]
    remembered = _plugin_module("subscriptions").Subscriptions(5, clock=lambda: now[0])
    endpoints = _plugin_module("tables").endpoints
    with runtime.db.write() as conn:
        assert not remembered.wanted(conn, "shop.item", "create")  # read at 0 s
        conn.execute(endpoints.insert().values(
            url=receiver.url, entity="shop.item", events=["create"], secret="s", active=True,
            created_at=utcnow()))
    with runtime.db.read() as conn:
        now[0] = 4.0
        assert not remembered.wanted(conn, "shop.item", "create")  # still remembered
        now[0] = 5.0
        assert remembered.wanted(conn, "shop.item", "create")  # read again


def test_an_endpoint_switched_off_by_another_worker_gets_nothing_at_once(
    runtime, admin_api, hook, receiver
):
    endpoint = hook()
    admin_api.post("shop/item", json={"name": "First"})  # remembered as subscribed
    endpoints = _plugin_module("tables").endpoints
    with runtime.db.write() as conn:  # as another worker would, without telling this one
        conn.execute(endpoints.update().where(endpoints.c.id == endpoint["id"])
                     .values(active=False))
    receiver.requests.clear()
    admin_api.post("shop/item", json={"name": "Tea"})
    assert receiver.requests == []
    assert [d["event"] for d in deliveries(admin_api, endpoint["id"])] == ["create"]


def test_the_delivery_is_sent_only_after_the_commit(runtime, admin_api, hook, receiver):
    hook()

    def committed(payload):  # another connection sees the record only once committed
        with runtime.db.read() as conn:
            return runtime.internal_records.load(conn, "shop.item", payload["record_id"])

    receiver.on_request = committed
    admin_api.post("shop/item", json={"name": "Tea"})
    [request] = receiver.requests
    assert request["seen"] is not None and request["seen"]["name"] == "Tea"


def test_a_change_that_is_rolled_back_sends_nothing(admin_api, hook, receiver, make_user, api_as):
    endpoint = hook(entity="stock.stock_document", events=["create", "update", "transition"])
    admin_api.post("stock/product", json={"name": "Bolt"})
    admin_api.post("stock/warehouse", json={"name": "East"})
    keeper = api_as(make_user("kim", roles=["keeper"]))
    document = admin_api.post("stock/stock_document", json={
        "direction": "out", "lines": [{"product": 1, "warehouse": 1, "qty": "5"}]}).get_json()
    receiver.requests.clear()
    vetoed = keeper.post(f"stock/stock_document/{document['id']}/actions/approve", json={})
    assert vetoed.status_code == 422  # no stock: the step and its deliveries are rolled back
    assert receiver.requests == []
    assert [d["event"] for d in deliveries(admin_api, endpoint["id"])] == ["create"]


def test_a_transition_is_its_own_event(admin_api, hook, receiver, make_user, api_as):
    hook(entity="stock.stock_document", events=["transition"])
    admin_api.post("stock/product", json={"name": "Bolt"})
    admin_api.post("stock/warehouse", json={"name": "East"})
    keeper = api_as(make_user("kim", roles=["keeper"]))
    document = admin_api.post("stock/stock_document", json={
        "direction": "in", "lines": [{"product": 1, "warehouse": 1, "qty": "5"}]}).get_json()
    keeper.post(f"stock/stock_document/{document['id']}/actions/approve", json={})
    [payload] = receiver.bodies()
    assert payload["transition"] == {"action": "approve", "from": "draft", "to": "approved",
                                     "comment": None}
    assert payload["actor"] == "kim" and payload["record"]["_state"] == "approved"


def test_delete_and_restore_are_events(admin_api, hook, receiver):
    hook(events=["delete", "restore"])
    item = admin_api.post("shop/item", json={"name": "Tea"}).get_json()
    admin_api.delete(f"shop/item/{item['id']}")
    admin_api.post(f"shop/item/{item['id']}/restore")
    assert [p["event"] for p in receiver.bodies()] == ["delete", "restore"]
    assert receiver.bodies()[1]["record"]["_deleted_at"] is None


def test_a_failed_delivery_is_retried_by_tick_with_back_off(runtime, admin_api, hook, receiver):
    endpoint = hook()
    receiver.statuses = [500]
    admin_api.post("shop/item", json={"name": "Tea"})
    [delivery] = deliveries(admin_api, endpoint["id"])
    assert delivery["status"] == "pending" and delivery["last_status"] == 500
    now = utcnow()
    runtime.jobs.run_due(now)  # the retry is not due before the back-off has passed
    assert len(receiver.requests) == 1
    report = runtime.jobs.run_due(now + timedelta(seconds=45))
    assert report.run == ["webhooks.deliver"] and report.handled == 1
    [delivery] = deliveries(admin_api, endpoint["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    assert [a["status_code"] for a in delivery["log"]] == [500, 200]
    assert len({r["headers"]["X-Formflow-Delivery"] for r in receiver.requests}) == 1


def test_back_off_doubles_up_to_its_cap(make_app):
    app = make_app(APPS, PLUGINS_PATH=[str(ROOT / "plugins")], PLUGIN_WEBHOOKS_MAX_ATTEMPTS="3",
                   PLUGIN_WEBHOOKS_MAX_BACKOFF_SECONDS="100")
    settings = app.extensions["formflow"].plugins.settings("webhooks")
    delivery = sys.modules["formflow_plugin_webhooks.delivery"]
    now = utcnow()
    delays = [(delivery.next_attempt(settings, n, now) - now).total_seconds() for n in (1, 2, 3, 4)]
    assert delays == [30, 60, 100, 100]


def test_formflow_tick_retries_until_the_last_attempt_fails(make_app, receiver):
    app = make_app(APPS, **LOOPBACK_ALLOWED, PLUGIN_WEBHOOKS_MAX_ATTEMPTS="3",
                   PLUGIN_WEBHOOKS_BACKOFF_SECONDS="0", PLUGIN_WEBHOOKS_JOB_INTERVAL="0")
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "t")
    api = ApiClient(app.test_client(), token)
    endpoint = api.post(ADMIN_HOOKS, json={"url": receiver.url, "entity": "shop.item",
                                           "events": ["create"]}).get_json()
    receiver.statuses = [503, 503, 503, 503]
    api.post("shop/item", json={"name": "Tea"})
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["tick"])
    assert "Plugin jobs run: 1 (webhooks.deliver)" in first.output
    runner.invoke(main, ["tick"])
    runner.invoke(main, ["tick"])  # nothing left to try: given up after 3 attempts
    [delivery] = api.get(f"{ADMIN_HOOKS}/{endpoint['id']}/deliveries").get_json()["items"]
    assert delivery["status"] == "failed" and delivery["attempts"] == 3
    assert len(receiver.requests) == 3


def test_an_unreachable_endpoint_is_logged_with_the_reason(admin_api, hook, receiver):
    endpoint = hook(url="http://127.0.0.1:9/nothing-listens-here")
    admin_api.post("shop/item", json={"name": "Tea"})
    [delivery] = deliveries(admin_api, endpoint["id"])
    assert delivery["status"] == "pending" and delivery["last_status"] is None
    assert delivery["log"][0]["error"]


def test_a_failed_delivery_can_be_retried_by_hand(admin_api, hook, receiver):
    endpoint = hook()
    receiver.statuses = [500]
    admin_api.post("shop/item", json={"name": "Tea"})
    [delivery] = deliveries(admin_api, endpoint["id"])
    retried = admin_api.post(f"{ADMIN_HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}/retry")
    assert retried.get_json()["status"] == "delivered"


def test_ping_sends_a_test_event(admin_api, hook, receiver):
    endpoint = hook()
    response = admin_api.post(f"{ADMIN_HOOKS}/{endpoint['id']}/ping")
    assert response.get_json() == {"id": response.get_json()["id"], "ok": True}
    assert receiver.bodies()[0]["event"] == "ping"


@pytest.mark.parametrize("answer", [503, None])
def test_a_ping_tells_only_whether_it_arrived(admin_api, hook, receiver, answer):
    endpoint = hook() if answer else hook(url="http://127.0.0.1:9/nothing-listens-here")
    receiver.statuses = [answer] if answer else []
    body = admin_api.post(f"{ADMIN_HOOKS}/{endpoint['id']}/ping").get_json()
    assert set(body) == {"id", "ok"} and body["ok"] is False


def test_admins_resend_a_record_from_its_plugin_action(admin_api, user_api, hook, receiver):
    hook(events=["update"])
    item = admin_api.post("shop/item", json={"name": "Tea"}).get_json()
    listed = admin_api.get(f"shop/item/{item['id']}/plugin-actions").get_json()["items"]
    assert [a["name"] for a in listed] == ["webhooks_resend"]
    assert user_api.get(f"shop/item/{item['id']}/plugin-actions").get_json()["items"] == []
    refused = user_api.post(f"shop/item/{item['id']}/plugin-actions/webhooks_resend")
    assert refused.status_code == 403
    done = admin_api.post(f"shop/item/{item['id']}/plugin-actions/webhooks_resend")
    assert done.status_code == 200 and done.get_json()["result"] == {"queued": 1}
    assert [p["event"] for p in receiver.bodies()] == ["resend"]


def test_endpoints_are_for_admins_only(user_api, hook):
    endpoint = hook()
    assert user_api.get(ADMIN_HOOKS).status_code == 403
    assert user_api.post(ADMIN_HOOKS, json={}).status_code == 403
    assert user_api.get(f"{ADMIN_HOOKS}/{endpoint['id']}/deliveries").status_code == 403
    assert user_api.delete(f"{ADMIN_HOOKS}/{endpoint['id']}").status_code == 403


@pytest.mark.parametrize(("body", "fields"), [
    ({"url": "ftp://example.com", "entity": "shop.item", "events": ["create"]}, {"url"}),
    ({"url": "http://example.com", "entity": "shop.nope", "events": ["create"]}, {"entity"}),
    ({"url": "http://example.com", "entity": "shop.item", "events": ["explode"]}, {"events"}),
    ({"url": "http://example.com", "entity": "shop.item", "events": ["create"], "x": 1}, {"x"}),
    ({"entity": "shop.item", "events": ["create"], "secret": "short"}, {"url", "secret"}),
])
def test_a_bad_endpoint_is_refused_naming_the_fields(admin_api, body, fields):
    response = admin_api.post(ADMIN_HOOKS, json=body)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == fields


def test_an_endpoint_is_listed_without_its_secret_and_can_be_removed(admin_api, hook):
    endpoint = hook(description="ERP")
    listed = admin_api.get(ADMIN_HOOKS).get_json()["items"]
    assert [(e["id"], e["description"]) for e in listed] == [(endpoint["id"], "ERP")]
    assert "secret" not in listed[0]
    assert admin_api.delete(f"{ADMIN_HOOKS}/{endpoint['id']}").status_code == 204
    assert admin_api.get(f"{ADMIN_HOOKS}/{endpoint['id']}").status_code == 404


def test_the_admin_page_lists_endpoints_and_deliveries(app, admin_api, hook, receiver, make_user):
    hook(description="ERP sync")
    admin_api.post("shop/item", json={"name": "Tea"})
    client = app.test_client()
    assert client.get("/admin/webhooks").status_code == 302  # sign in first
    sign_in(client, "admin", "admin-password")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "ERP sync" in page and receiver.url in page and 'data-status="delivered"' in page
    make_user("uma")
    other = app.test_client()
    sign_in(other, "uma")
    assert other.get("/admin/webhooks").status_code == 403


# -- targets: no internal addresses (SSRF) ----------------------------------------------------


@pytest.fixture
def strict_app(make_app):
    """The plugin as shipped: nothing besides public addresses allowed."""
    return make_app(APPS, PLUGINS_PATH=[str(ROOT / "plugins")])


@pytest.fixture
def strict_api(strict_app, monkeypatch, resolver):
    monkeypatch.setattr(outbound, "lookup", resolver.lookup)
    runtime = strict_app.extensions["formflow"]
    with runtime.db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "t")
    api = ApiClient(strict_app.test_client(), token)
    api.headers["Accept-Language"] = "en"
    return api


def register(api, url, entity="shop.item"):
    return api.post(ADMIN_HOOKS, json={"url": url, "entity": entity, "events": ["create"]})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook",
    "http://localhost./hook",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.100.100.200/",  # shared address space (Alibaba Cloud metadata)
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://inward.example.net/",
    "http://metadata.example.net/",
    "http://six.example.net/",
    "http://mixed.example.net/",  # one public and one private address
    "http://nowhere.example.net/",  # does not resolve
])
def test_an_endpoint_may_not_target_an_internal_address(strict_api, url, resolver):
    resolver.names["localhost."] = ["127.0.0.1"]
    resolver.names["2130706433"] = ["127.0.0.1"]
    response = register(strict_api, url)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]
    assert "public addresses" in response.get_json()["errors"]["url"][0]
    assert strict_api.get(ADMIN_HOOKS).get_json()["items"] == []


def test_the_refusal_speaks_chinese_too(strict_api):
    response = strict_api.post(ADMIN_HOOKS, json={
        "url": "http://10.0.0.1/", "entity": "shop.item", "events": ["create"]},
        headers={"Accept-Language": "zh-CN"})
    assert "公网地址" in response.get_json()["errors"]["url"][0]


def test_an_endpoint_may_target_a_public_address(strict_api):
    assert register(strict_api, "https://hooks.example.net/formflow").status_code == 201


def test_changing_an_endpoints_url_to_an_internal_one_is_refused(strict_api):
    endpoint = register(strict_api, "https://hooks.example.net/formflow").get_json()
    response = strict_api.patch(f"{ADMIN_HOOKS}/{endpoint['id']}",
                                json={"url": "http://169.254.169.254/"})
    assert response.status_code == 422
    assert strict_api.get(f"{ADMIN_HOOKS}/{endpoint['id']}").get_json()["url"] == (
        "https://hooks.example.net/formflow")


@pytest.mark.parametrize("allow", ["erp.corp.local", "*.corp.local", "10.0.0.0/8", "10.1.2.3"])
def test_the_allow_setting_lets_internal_targets_through(make_app, allow, resolver, monkeypatch):
    app = make_app(APPS, PLUGINS_PATH=[str(ROOT / "plugins")], PLUGIN_WEBHOOKS_ALLOW=allow)
    monkeypatch.setattr(outbound, "lookup", resolver.lookup)
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "t")
    api = ApiClient(app.test_client(), token)
    assert register(api, "http://erp.corp.local:8069/hook").status_code == 201
    assert register(api, "http://192.168.1.1/").status_code == 422


def test_a_malformed_allow_entry_stops_start_up(make_app):
    with pytest.raises(Exception, match="not-a host"):
        make_app(APPS, PLUGINS_PATH=[str(ROOT / "plugins")], PLUGIN_WEBHOOKS_ALLOW="not-a host")


def test_a_name_that_turns_inward_after_saving_gets_nothing(strict_api, resolver, receiver):
    """DNS rebinding: public when the endpoint is saved, loopback when the delivery goes."""
    host = "rebind.example.net"
    resolver.names[host] = ["93.184.216.34"]
    endpoint = register(strict_api, f"http://{host}:{receiver.server.server_port}/hook")
    assert endpoint.status_code == 201
    resolver.names[host] = ["127.0.0.1"]
    strict_api.post("shop/item", json={"name": "Tea"})
    assert receiver.requests == []
    [delivery] = strict_api.get(
        f"{ADMIN_HOOKS}/{endpoint.get_json()['id']}/deliveries").get_json()["items"]
    assert delivery["status"] == "pending" and delivery["last_status"] is None
    assert delivery["last_error"].startswith("refused: ")


def test_a_delivery_connects_to_the_address_it_checked(admin_api, resolver, receiver):
    """The name is looked up once per post and the connection goes to that answer (the
    name itself resolves nowhere else), with the name kept in the Host header."""
    host = "hooks.corp.test"
    resolver.names[host] = ["127.0.0.1"]
    endpoint = admin_api.post(ADMIN_HOOKS, json={
        "url": f"http://{host}:{receiver.server.server_port}/hook", "entity": "shop.item",
        "events": ["create"]})
    assert endpoint.status_code == 201
    resolver.asked.clear()
    admin_api.post("shop/item", json={"name": "Tea"})
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"{host}:{receiver.server.server_port}"
    assert resolver.asked == [host]
