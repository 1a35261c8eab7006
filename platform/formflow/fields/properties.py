"""The properties a field accepts, as JSON Schema: the designer's property panel.

Every field has the common properties (name, label, help, required, default,
conditions, roles, ...); a field type adds its own (``options`` for choices, ``to`` for
links, ``min``/``max`` for numbers and dates, ...) from :data:`PROPERTIES` by name, and
says which of them a field must have.  A schema is self-contained (no ``$ref`` to
outside documents) so a browser can render and check it as it is.  Each property
carries ``x-label`` (English and Chinese) for the panel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_LABEL = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "minProperties": 1,
         "propertyNames": {"pattern": "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"},
         "additionalProperties": {"type": "string"}},
    ]
}
_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 63}
_FIELD_NAME = {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$", "maxLength": 63}
_EXPRESSION = {"type": "string", "minLength": 1}
_ROLES = {"type": "array", "items": _NAME, "uniqueItems": True}
_BOUND = {"type": ["number", "string"]}
_OPTION = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "required": ["value"], "additionalProperties": False,
         "properties": {"value": {"type": "string", "minLength": 1}, "label": _LABEL,
                        "color": {"type": "string", "minLength": 1, "maxLength": 30}}},
    ]
}


def _property(schema: Mapping[str, Any], en: str, zh: str) -> dict[str, Any]:
    return {**schema, "x-label": {"en": en, "zh-CN": zh}}


#: Every property a field may have, by name.  ``default`` is filled in per type.
PROPERTIES: dict[str, dict[str, Any]] = {
    "name": _property(_FIELD_NAME, "Name", "字段名"),
    "label": _property(_LABEL, "Label", "标题"),
    "help": _property(_LABEL, "Help text", "帮助说明"),
    "placeholder": _property(_LABEL, "Placeholder", "占位提示"),
    "required": _property({"type": "boolean"}, "Required", "必填"),
    "unique": _property({"type": "boolean"}, "Unique", "不允许重复"),
    "index": _property({"type": "boolean"}, "Indexed", "建立索引"),
    "default_expr": _property(_EXPRESSION, "Default (expression)", "默认值公式"),
    "compute": _property(_EXPRESSION, "Computed as", "计算公式"),
    "visible_if": _property(_EXPRESSION, "Visible if", "显示条件"),
    "required_if": _property(_EXPRESSION, "Required if", "必填条件"),
    "readonly_if": _property(_EXPRESSION, "Read-only if", "只读条件"),
    "fetch": _property({"type": "string", "pattern": "^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$"},
                       "Copied from (link.field)", "从关联记录带出"),
    "read_roles": _property(_ROLES, "Roles that may read", "可查看的角色"),
    "write_roles": _property(_ROLES, "Roles that may write", "可修改的角色"),
    "renamed_from": _property(_FIELD_NAME, "Previous name", "原字段名"),
    "min": _property(_BOUND, "Minimum", "最小值"),
    "max": _property(_BOUND, "Maximum", "最大值"),
    "min_length": _property({"type": "integer", "minimum": 0}, "Minimum length", "最少字数"),
    "max_length": _property({"type": "integer", "minimum": 1}, "Maximum length", "最多字数"),
    "pattern": _property({"type": "string", "minLength": 1, "format": "regex"},
                         "Pattern (regular expression)", "格式（正则表达式）"),
    "options": _property({"type": "array", "items": _OPTION, "minItems": 1},
                         "Options", "选项"),
    "to": _property({"type": "string", "pattern": "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$",
                     "maxLength": 127}, "Links to", "关联实体"),
    "link_scope": _property({"enum": ["readable", "all"]}, "Records offered", "可选记录范围"),
    "precision": _property({"type": "integer", "minimum": 1, "maximum": 1000},
                           "Digits", "总位数"),
    "scale": _property({"type": "integer", "minimum": 0, "maximum": 1000},
                       "Decimals", "小数位数"),
    "fields": _property({"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["name", "type"],
        "properties": {"name": _FIELD_NAME, "type": _NAME}}}, "Columns", "明细列"),
    "min_rows": _property({"type": "integer", "minimum": 0}, "Minimum rows", "最少行数"),
    "max_rows": _property({"type": "integer", "minimum": 1}, "Maximum rows", "最多行数"),
    "max_size": _property({"type": "integer", "minimum": 1},
                          "Largest upload (bytes)", "文件大小上限（字节）"),
    "accept": _property({"type": "array", "minItems": 1, "uniqueItems": True, "items": {
        "type": "string", "pattern": "^(\\.[A-Za-z0-9]+|[a-z]+/([A-Za-z0-9][A-Za-z0-9.+-]*|\\*))$"
    }}, "Accepted files", "允许的文件类型"),
}

#: The properties of every field, whatever its type.
COMMON = (
    "name", "label", "help", "placeholder", "required", "unique", "index", "default_expr",
    "compute", "visible_if", "required_if", "readonly_if", "fetch", "read_roles",
    "write_roles", "renamed_from",
)
#: Properties by family, for field types to pick from.
TEXT = ("min_length", "max_length", "pattern")
RANGE = ("min", "max")
CHOICES = ("options",)
UPLOAD = ("max_size", "accept")


def field_schema(
    type_name: str, own: Iterable[str], required: Iterable[str], default: Mapping[str, Any]
) -> dict[str, Any]:
    """The schema of a field of type ``type_name`` with the common properties, ``own``
    ones and a ``default`` of the given schema; ``required`` lists the properties it
    must have besides name and type."""
    props = {name: PROPERTIES[name] for name in (*COMMON, *own)}
    props["type"] = _property({"const": type_name}, "Type", "字段类型")
    props["default"] = _property(default, "Default", "默认值")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": type_name,
        "type": "object",
        "properties": props,
        "required": ["name", "type", *required],
        "additionalProperties": False,
    }
