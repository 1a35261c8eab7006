"""Column types of system and entity tables, and the clock they store: each field type
names its column with these."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL gets ``timestamptz``.  A naive value is taken
    to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite, a stored text read straight into an aware time in one step (a list
        page reads dozens): the general way parses it, then sets its zone."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value):
            if isinstance(value, str) and len(value) > 10 and value[10] == " ":
                try:  # "YYYY-MM-DD HH:MM:SS[.ffffff]", as stored
                    return datetime.fromisoformat(value + "+00:00")
                except ValueError:
                    pass
            return general(value)

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)


class ExactDecimal(sa.TypeDecorator):
    """A fixed-point number stored exactly on every database.

    PostgreSQL gets ``NUMERIC(precision, scale)``.  SQLite has no exact decimal type (it
    would store a float), so the value is stored there as an integer count of
    ``10**-scale`` units, which keeps sorting, comparison and equality exact.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2):
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(self._quantum)
        return int(value.scaleb(self.scale)) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    def coerce_compared_value(self, op, value):
        return self
