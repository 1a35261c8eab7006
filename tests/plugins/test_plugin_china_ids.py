"""The shipped china_ids plugin: resident ID, unified social credit code and mobile
number fields, checked by their standards, with bilingual messages and masked pages."""

from __future__ import annotations

import importlib.util

import pytest

from support import ROOT, TEST_APPS
from support.web_support import sign_in

CHINA_APPS = TEST_APPS / "china"
PEOPLE = "people/person"
ID_NUMBER = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


def _module():
    spec = importlib.util.spec_from_file_location("china_ids_under_test",
                                                  ROOT / "plugins" / "china_ids.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


china_ids = _module()


@pytest.fixture
def app(make_app):
    return make_app([CHINA_APPS], PLUGINS_PATH=[str(ROOT / "plugins")])


@pytest.fixture
def hr(make_user):
    return make_user("hana", roles=["hr"])


@pytest.fixture
def hr_api(api_as, hr):
    return api_as(hr)


def person(api, **values):
    return api.post(PEOPLE, json={"name": "Li Lei", **values}, headers={"Accept-Language": "en"})


# -- the checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [ID_NUMBER, "110101199003074477", "11010519491231002x"])
def test_a_valid_resident_id_is_accepted_upper_case(hr_api, number):
    response = person(hr_api, id_number=number)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id_number"] == number.upper()


@pytest.mark.parametrize(("number", "problem"), [
    ("1101051949123100", "18-character"),
    ("11010519491231002Y", "18-character"),
    ("99010519491231002X", "region code"),
    ("110105194902300021", "birth date"),
    ("110105299901010011", "birth date"),
    ("110105194912310021", "check character"),
])
def test_an_invalid_resident_id_is_refused_saying_why(hr_api, number, problem):
    response = person(hr_api, id_number=number)
    assert response.status_code == 422
    assert problem in response.get_json()["errors"]["id_number"][0]


def test_messages_are_in_chinese_too(hr_api):
    response = hr_api.post(PEOPLE, json={"name": "李雷", "id_number": "110105194912310021",
                                         "mobile": "12345678901"},
                           headers={"Accept-Language": "zh-CN"})
    errors = response.get_json()["errors"]
    assert errors["id_number"] == ["身份证号码校验位错误，请核对号码。"]
    assert errors["mobile"] == ["请输入中国大陆手机号码：以13至19开头的11位数字。"]


@pytest.mark.parametrize("code", [CREDIT_CODE, "9144030071526726XG", "91330100716105852f"])
def test_a_valid_credit_code_is_accepted(hr_api, code):
    response = person(hr_api, employer_code=code)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["employer_code"] == code.upper()


@pytest.mark.parametrize(("code", "problem"), [
    ("91350100M000100Y4", "18-character"),
    ("91350100M000100I43", "18-character"),  # I is not used
    ("913501AAM000100Y43", "18-character"),  # the region code is digits
    ("91350100M000100Y44", "check character"),
])
def test_an_invalid_credit_code_is_refused(hr_api, code, problem):
    response = person(hr_api, employer_code=code)
    assert response.status_code == 422
    assert problem in response.get_json()["errors"]["employer_code"][0]


@pytest.mark.parametrize(("given", "stored"), [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("008619912345678", "19912345678"), ("8613812345678", "13812345678"),
])
def test_a_mobile_number_is_normalized(hr_api, given, stored):
    response = person(hr_api, mobile=given)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mobile"] == stored


@pytest.mark.parametrize("given", ["12812345678", "1381234567", "138123456789", "021-12345678"])
def test_a_number_that_is_no_mainland_mobile_is_refused(hr_api, given):
    response = person(hr_api, mobile=given)
    assert response.status_code == 422
    assert "mobile number" in response.get_json()["errors"]["mobile"][0]


def test_the_expression_functions_read_birth_date_and_gender(hr_api):
    record = person(hr_api, id_number=ID_NUMBER).get_json()
    assert record["birthday"] == "1949-12-31" and record["gender"] == "female"
    assert china_ids.cn_id_gender("110101199003074477") == "male"
    assert china_ids.cn_id_birth_date(None) is None


# -- display ---------------------------------------------------------------------------------------


def test_display_masks_ids_and_mobiles_but_not_credit_codes():
    resident, credit, mobile = china_ids.ResidentIdType(), china_ids.CreditCodeType(), \
        china_ids.MobileType()
    assert resident.display(None, "110101199003071234") == "110101********1234"
    assert mobile.display(None, "13812345678") == "138****5678"
    assert credit.display(None, CREDIT_CODE) == CREDIT_CODE
    assert china_ids.CreditCodeType(mask=True).display(None, CREDIT_CODE) == "9135***********Y43"


def test_the_api_gives_readers_of_the_field_the_full_value(hr_api, api_as, make_user):
    record_id = person(hr_api, id_number=ID_NUMBER, mobile="13812345678").get_json()["id"]
    assert hr_api.get(f"{PEOPLE}/{record_id}").get_json()["id_number"] == ID_NUMBER
    other = api_as(make_user("otto")).get(f"{PEOPLE}/{record_id}").get_json()
    assert "id_number" not in other and other["mobile"] == "13812345678"


def test_pages_show_masked_values(app, hr_api, hr):
    record_id = person(hr_api, id_number=ID_NUMBER, mobile="13812345678",
                       employer_code=CREDIT_CODE).get_json()["id"]
    client = app.test_client()
    sign_in(client, "hana")
    page = client.get(f"/people/person/{record_id}").get_data(as_text=True)
    assert "110105********002X" in page and ID_NUMBER not in page
    assert "138****5678" in page and "13812345678" not in page
    assert CREDIT_CODE in page
    listing = client.get("/people/person/").get_data(as_text=True)
    assert "138****5678" in listing and "13812345678" not in listing


def test_masking_follows_the_plugin_settings(make_app, hr_api):
    app = make_app([CHINA_APPS], PLUGINS_PATH=[str(ROOT / "plugins")],
                   PLUGIN_CHINA_IDS_MASK_MOBILE="false", PLUGIN_CHINA_IDS_MASK_CREDIT_CODE="1")
    types = app.extensions["formflow"].field_types
    assert types["cn_mobile"].display(None, "13812345678") == "13812345678"
    assert types["cn_credit_code"].display(None, CREDIT_CODE) == "9135***********Y43"


def test_formflow_check_knows_the_plugin_field_types(runner, monkeypatch):
    from formflow.cli import main

    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(ROOT / "plugins"))
    result = runner.invoke(main, ["check", str(CHINA_APPS)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(ROOT / "tests" / "no-such-folder"))
    result = runner.invoke(main, ["check", str(CHINA_APPS)])
    assert result.exit_code == 1 and "unknown field type 'cn_resident_id'" in result.output
