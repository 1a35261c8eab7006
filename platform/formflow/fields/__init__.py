"""Field types: one class per type, in a registry that plugins extend."""

from formflow.fields.base import FieldType, FieldValueError, Registry
from formflow.fields.choices import BooleanType, MultiselectType, SelectType
from formflow.fields.numbers import DecimalType, IntegerType, MoneyType, PercentType, RatingType
from formflow.fields.references import DepartmentType, LinkType, UserType
from formflow.fields.table import TableType
from formflow.fields.temporal import DateTimeType, DateType, TimeType
from formflow.fields.text import (
    EmailType,
    FileType,
    ImageType,
    PhoneType,
    TextareaType,
    TextType,
    UrlType,
)

BUILTIN_TYPES = (
    TextType,
    TextareaType,
    IntegerType,
    DecimalType,
    MoneyType,
    PercentType,
    BooleanType,
    DateType,
    DateTimeType,
    TimeType,
    SelectType,
    MultiselectType,
    LinkType,
    TableType,
    UserType,
    DepartmentType,
    EmailType,
    PhoneType,
    UrlType,
    FileType,
    ImageType,
    RatingType,
)


def builtin_registry() -> Registry:
    """A registry holding every built-in field type."""
    registry = Registry()
    for field_type in BUILTIN_TYPES:
        registry.register(field_type())
    return registry


__all__ = ["FieldType", "FieldValueError", "Registry", "builtin_registry", "BUILTIN_TYPES"]
