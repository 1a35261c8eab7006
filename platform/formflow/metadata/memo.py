"""Memoize a function of one immutable model object by the object's identity.

Model objects are immutable and live as long as their model, but they hold mappings
and so cannot be hashed; this cache keys on ``id()`` and keeps the object alive so
an id is never reused for another object while cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")


def per_object(func: Callable[[Any], T]) -> Callable[[Any], T]:
    cache: dict[int, tuple[Any, T]] = {}

    @wraps(func)
    def wrapper(obj: Any) -> T:
        entry = cache.get(id(obj))
        if entry is None or entry[0] is not obj:
            entry = (obj, func(obj))
            cache[id(obj)] = entry
        return entry[1]

    return wrapper
