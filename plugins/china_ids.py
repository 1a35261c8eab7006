"""Chinese identifiers as field types, checked the way the issuing standards define them,
with messages in Chinese and English and masked display on pages.

- ``cn_resident_id`` — 居民身份证号码 (GB 11643-1999): 17 digits and a check character
  (ISO 7064 MOD 11-2, ``X`` for 10); the region code must name a province and the birth
  date (digits 7-14) must be a real date, not in the future.  A lower-case ``x`` is
  stored as ``X``.  Shown as ``110101********1234``.
- ``cn_credit_code`` — 统一社会信用代码 (GB 32100-2015): 18 characters of
  ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z), the 6-digit region code in places
  3-8, and a check character (MOD 31).  Lower case is stored upper case.  A credit code
  is public registry data, so it is shown in full unless ``mask_credit_code`` is set
  (``9135****Y43``-style: first 4 and last 3 kept).
- ``cn_mobile`` — a mainland mobile number: 11 digits starting ``13``-``19``; spaces,
  dashes and a ``+86``/``0086`` prefix are accepted and dropped.  Shown as
  ``138****5678``.

Masking is only how pages show a value (``FieldType.display``); the REST API returns
the full value to callers who may read the field (``read_roles`` limits who that is).

Expression functions: ``cn_id_birth_date(id)`` (a date) and ``cn_id_gender(id)``
(``"male"`` or ``"female"``), for computed fields such as
``{"name": "birthday", "type": "date", "compute": "cn_id_birth_date(id_number)"}``.

Settings (``FORMFLOW_PLUGIN_CHINA_IDS_<KEY>``): ``mask_resident_id`` (true),
``mask_mobile`` (true), ``mask_credit_code`` (false).  The field types exist for every
app; nothing needs enabling.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from formflow.plugins import FieldValueError, TextType, hookimpl, message

MANIFEST = {
    "name": "china_ids",
    "version": "1.0",
    "description": {
        "en": "Resident ID, unified social credit code and mobile number fields with "
              "checksums and masking.",
        "zh-CN": "身份证号、统一社会信用代码和手机号字段：校验位检查，显示时打码。",
    },
    "apps": ["*"],
    "settings": {"mask_resident_id": True, "mask_mobile": True, "mask_credit_code": False},
}

# -- resident ID (GB 11643-1999, ISO 7064 MOD 11-2) ---------------------------------------

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: Province-level region codes (the first two digits); 81-83: Hong Kong, Macao and
#: Taiwan residence permits.
PROVINCES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
})

ID_SHAPE = message({
    "en": "Enter an 18-character resident ID number: 17 digits, then a digit or X.",
    "zh-CN": "请输入18位居民身份证号码：17位数字加1位数字或X。",
})
ID_REGION = message({
    "en": "The region code (first 2 digits) of this ID number does not exist.",
    "zh-CN": "身份证号码的地区码（前2位）不存在。",
})
ID_BIRTH = message({
    "en": "The birth date in this ID number (digits 7-14) is not a valid date.",
    "zh-CN": "身份证号码中的出生日期（第7-14位）无效。",
})
ID_CHECK = message({
    "en": "The check character of this ID number is wrong; check the number.",
    "zh-CN": "身份证号码校验位错误，请核对号码。",
})


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def birth_date(number: str) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


class ResidentIdType(TextType):
    name = "cn_resident_id"
    default_max_length = 18

    def __init__(self, mask: bool = True):
        self.mask = mask

    def coerce(self, field, value: str) -> str:
        number = value.replace(" ", "").upper()
        if not _ID_SHAPE.match(number):
            raise FieldValueError(ID_SHAPE)
        if int(number[:2]) not in PROVINCES:
            raise FieldValueError(ID_REGION)
        if birth_date(number) is None:
            raise FieldValueError(ID_BIRTH)
        if id_check_character(number[:17]) != number[17]:
            raise FieldValueError(ID_CHECK)
        return number

    def display(self, field, value: Any, lang: str | None = None) -> str:
        text = str(value)
        return f"{text[:6]}{'*' * 8}{text[-4:]}" if self.mask and len(text) == 18 else text


# -- unified social credit code (GB 32100-2015) -------------------------------------------

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CODE_SHAPE = re.compile(rf"^[{_CODE_CHARS}]{{2}}\d{{6}}[{_CODE_CHARS}]{{10}}$")

CODE_SHAPE = message({
    "en": "Enter an 18-character unified social credit code: digits and capital letters "
          "except I, O, S, V and Z, with the 6-digit region code in places 3-8.",
    "zh-CN": "请输入18位统一社会信用代码：数字和大写字母（不含 I、O、S、V、Z），"
             "第3-8位为6位地区码。",
})
CODE_CHECK = message({
    "en": "The check character of this credit code is wrong; check the code.",
    "zh-CN": "统一社会信用代码校验位错误，请核对代码。",
})


def code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (MOD 31)."""
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


class CreditCodeType(TextType):
    name = "cn_credit_code"
    default_max_length = 18

    def __init__(self, mask: bool = False):
        self.mask = mask

    def coerce(self, field, value: str) -> str:
        code = value.replace(" ", "").upper()
        if not _CODE_SHAPE.match(code):
            raise FieldValueError(CODE_SHAPE)
        if code_check_character(code[:17]) != code[17]:
            raise FieldValueError(CODE_CHECK)
        return code

    def display(self, field, value: Any, lang: str | None = None) -> str:
        text = str(value)
        return f"{text[:4]}{'*' * 11}{text[-3:]}" if self.mask and len(text) == 18 else text


# -- mainland mobile number -------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1\d{10}$))")
MOBILE_SHAPE = message({
    "en": "Enter a mainland China mobile number: 11 digits starting with 13 to 19.",
    "zh-CN": "请输入中国大陆手机号码：以13至19开头的11位数字。",
})


class MobileType(TextType):
    name = "cn_mobile"
    default_max_length = 11

    def __init__(self, mask: bool = True):
        self.mask = mask

    def coerce(self, field, value: str) -> str:
        number = _MOBILE_PREFIX.sub("", re.sub(r"[\s\-()]", "", value))
        if not _MOBILE.match(number):
            raise FieldValueError(MOBILE_SHAPE)
        return number

    def display(self, field, value: Any, lang: str | None = None) -> str:
        text = str(value)
        return f"{text[:3]}****{text[-4:]}" if self.mask and len(text) == 11 else text


# -- hooks --------------------------------------------------------------------------------------


@hookimpl
def register_field_types(settings):
    return [
        ResidentIdType(mask=settings["mask_resident_id"]),
        CreditCodeType(mask=settings["mask_credit_code"]),
        MobileType(mask=settings["mask_mobile"]),
    ]


def cn_id_birth_date(number: Any) -> date | None:
    """The birth date in a resident ID number (None when empty or not one)."""
    if not isinstance(number, str) or not _ID_SHAPE.match(number.upper()):
        return None
    return birth_date(number)


def cn_id_gender(number: Any) -> str | None:
    """``"male"`` or ``"female"`` from a resident ID number (digit 17: odd is male)."""
    if not isinstance(number, str) or not _ID_SHAPE.match(number.upper()):
        return None
    return "male" if int(number[16]) % 2 else "female"


@hookimpl
def register_expression_functions():
    return {"cn_id_birth_date": cn_id_birth_date, "cn_id_gender": cn_id_gender}
