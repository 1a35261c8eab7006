"""JSON Schema validation of metadata documents (app.json, entities/*, processes/*).

The schemas live in ``metadata/schema/`` (draft 2020-12, one ``$id`` each); their
cross-file ``$ref``\\ s are resolved through a ``referencing.Registry`` built from that
folder, never over the network.  Errors are reworded into short messages a business
user can act on, one :class:`Problem` per error.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formflow.metadata.problems import Problem

if TYPE_CHECKING:  # imported when first needed: a start with known documents never is
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

#: ``metadata/schema`` of the source tree (``platform/formflow/metadata/`` is three levels down).
SCHEMA_DIR = Path(__file__).resolve().parents[3] / "metadata" / "schema"
SCHEMA_BASE = "https://formflow.dev/schema/"
KINDS = ("app", "entity", "process", "dashboard")

_TYPE_WORDS = {
    "string": "a text",
    "object": "an object",
    "array": "a list",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}

#: Messages for the patterns used in the schemas, keyed by the pattern itself.
_PATTERN_MESSAGES = {
    "^[a-z][a-z0-9_]*$": "must be lower snake_case, like 'credit_limit'",
    "^[a-z_][a-z0-9_]*$": "must be lower snake_case, like 'credit_limit'",
    "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$": (
        "must be an entity name, like 'customer' or 'crm.customer'"
    ),
    "^\\d+(m|h|d|bd|bh)$": "must be a duration like 30m, 24h, 3d, 2bd or 4bh",
    "^\\d+(m|h|d)$": "must be a duration like 30m, 6h or 1d",
    "^https?://[^\\s/?#]+([/?#]\\S*)?$": "must be an http:// or https:// address",
    "^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$": "must be 'link_field.target_field'",
    "^(@previous|@join|[a-z][a-z0-9_]*)$": "must be a state name, '@previous' or '@join'",
    "^(100|[1-9][0-9]?)%$": "must be a percentage from 1% to 100%",
    "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$": "must be a language tag like 'en' or 'zh-CN'",
    "^-?[a-z_][a-z0-9_]*(,-?[a-z_][a-z0-9_]*)*$": (
        "must be field names separated by commas, '-' first for descending"
    ),
    "^(\\.[A-Za-z0-9]+|[a-z]+/([A-Za-z0-9][A-Za-z0-9.+-]*|\\*))$": (
        "must be a MIME type like 'image/png' or an extension like '.pdf'"
    ),
}


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """Every schema document in ``SCHEMA_DIR`` by file stem ("app", "common", ...)."""
    return {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.schema.json"))
    }


@cache
def registry() -> Registry:
    """A registry holding every schema under its ``$id``; unknown URIs are not fetched."""
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas().values()
    )


@cache
def validator(kind: str) -> Draft202012Validator:
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schemas()[kind], registry=registry())


def validate_document(kind: str, document: Any, file: str) -> list[Problem]:
    """Every schema problem of ``document`` (an app, entity or process), sorted by path.

    Validation is the slowest part of loading metadata and every worker (and every
    reload after a publish) sees the same documents again, so results are remembered
    by the document's canonical JSON text (and across starts by
    :mod:`formflow.metadata.valid_documents`)."""
    return validate_text(kind, canonical_text(document), file)


def canonical_text(document: Any) -> str:
    """The document as JSON text that is the same for equal documents."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)


def validate_text(kind: str, text: str, file: str) -> list[Problem]:
    """:func:`validate_document` of the document whose canonical text is ``text``."""
    return [Problem(file, path, message) for path, message in _schema_errors(kind, text)]


@lru_cache(maxsize=4096)
def _schema_errors(kind: str, text: str) -> tuple[tuple[str, str], ...]:
    """(path, message) of every schema error of the document ``text``, sorted."""
    document = json.loads(text)
    errors = validator(kind).iter_errors(document)
    return tuple(sorted({pair for error in errors for pair in _explain(error)}))


def _path(error: ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path)


def _explain(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(path, message) pairs for one error; alternatives are narrowed to the branch meant."""
    if error.validator in ("anyOf", "oneOf") and error.context and not _keys_choice(error):
        branch = _meant_branch(error)
        if branch is not None:
            for sub in branch:
                yield from _explain(sub)
            return
    yield _path(error), _message(error)


def _meant_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the one alternative whose shape (type) the instance has, if any."""
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    # A branch whose own level failed on type, const or enum is not the one meant.
    shaped = [
        errors
        for errors in branches.values()
        if not any(
            not sub.relative_path and sub.validator in ("type", "const", "enum") for sub in errors
        )
    ]
    if not shaped:
        return None
    return min(shaped, key=len)


def _message(error: ValidationError) -> str:
    validator, value, instance = error.validator, error.validator_value, error.instance
    match validator:
        case "additionalProperties":
            return "; ".join(_unknown_keys(error)) or error.message
        case "required":
            missing = [key for key in value if isinstance(instance, dict) and key not in instance]
            # One error per missing key arrives; each names them all, so they merge.
            noun = "key" if len(missing) == 1 else "keys"
            return f"missing {noun} " + ", ".join(repr(key) for key in missing)
        case "enum":
            return "must be one of " + ", ".join(_show(v) for v in value)
        case "const":
            return f"must be {_show(value)}"
        case "type":
            return "must be " + _types(value)
        case "pattern":
            text = _PATTERN_MESSAGES.get(value, f"must match the pattern {value}")
            if "propertyNames" in error.absolute_schema_path:
                return f"key {instance!r} {text}"
            return text
        case "minLength" if value == 1:
            return "must not be empty"
        case "minLength":
            return f"must be at least {value} characters long"
        case "maxLength":
            return f"must be at most {value} characters long"
        case "minItems" if value == 1:
            return "must not be empty"
        case "minItems":
            return f"must have at least {value} items"
        case "maxItems":
            return f"must have at most {value} items"
        case "uniqueItems":
            return "must not list the same item twice"
        case "minimum":
            return f"must be at least {value}"
        case "maximum":
            return f"must be at most {value}"
        case "minProperties" | "maxProperties":
            return _one_of_keys(error)
        case "dependentRequired":
            pairs = [(key, needs) for key, needs in value.items()
                     if isinstance(instance, dict) and key in instance]
            return "; ".join(f"{key!r} goes only with " + ", ".join(repr(n) for n in needs)
                             for key, needs in pairs) or error.message
        case "anyOf" | "oneOf" if _keys_choice(error):
            return "must have exactly one of " + ", ".join(
                branch["required"][0] for branch in value)
        case "anyOf" | "oneOf":
            return "must be " + " or ".join(_alternatives(error))
    return error.message


def _keys_choice(error: ValidationError) -> bool:
    """Whether the alternatives are "one of these keys" (each only requires one key)."""
    branches = error.validator_value
    return isinstance(branches, list) and all(
        isinstance(b, dict) and set(b) == {"required"} and len(b["required"]) == 1
        for b in branches)


def _unknown_keys(error: ValidationError) -> Iterator[str]:
    known = list(error.schema.get("properties", {}))
    for key in error.instance:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        yield f"unknown key {key!r}{hint}"


def _one_of_keys(error: ValidationError) -> str:
    keys = list(error.schema.get("properties", {}))
    schema = error.schema
    if schema.get("minProperties") == 1 and schema.get("maxProperties") == 1 and keys:
        return "must have exactly one of " + ", ".join(keys)
    if error.validator == "minProperties":
        return f"must have at least {error.validator_value} keys"
    return f"must have at most {error.validator_value} keys"


def _alternatives(error: ValidationError) -> list[str]:
    seen: list[str] = []
    for sub in error.context:
        if sub.relative_path:
            continue
        if sub.validator == "type":
            text = _types(sub.validator_value)
        elif sub.validator == "const":
            text = _show(sub.validator_value)
        elif sub.validator == "enum":
            text = "one of " + ", ".join(_show(v) for v in sub.validator_value)
        else:
            continue
        if text not in seen:
            seen.append(text)
    return seen or ["valid"]


def _types(value: str | list[str]) -> str:
    names = [value] if isinstance(value, str) else list(value)
    return " or ".join(_TYPE_WORDS.get(name, name) for name in names)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
