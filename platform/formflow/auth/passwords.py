"""Password hashing: scrypt through Werkzeug, a strength floor, and even timing.

Only hashes are stored.  Checking a password for a user who does not exist still runs
one scrypt verification (against a throwaway hash), so the time a failed sign-in takes
does not tell which user names exist.
"""

from __future__ import annotations

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from formflow.errors import ValidationFailed
from formflow.i18n import Message

#: The hashing method for new hashes (Werkzeug's scrypt with its default cost, spelled
#: out so a stored hash made with other parameters is recognised and upgraded).
METHOD = "scrypt:32768:8:1"
MIN_LENGTH = 8
#: Longer inputs are refused before hashing: nobody types them, and they only cost time.
MAX_LENGTH = 1024


def password_problems(password: object) -> list[Message]:
    """Why ``password`` may not be used (empty when it may)."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return [Message("weak_password", {"min": MIN_LENGTH})]
    if len(password) > MAX_LENGTH:
        return [Message("max_length", {"max": MAX_LENGTH})]
    return []


def check_password_strength(password: object, *, field: str = "password") -> None:
    """Raise :class:`~formflow.errors.ValidationFailed` (keyed by ``field``) for a
    password that may not be used."""
    problems = password_problems(password)
    if problems:
        raise ValidationFailed({field: problems})


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str | None, password: object) -> bool:
    """Whether ``password`` matches ``stored_hash``.

    With no hash (an unknown user, or one without a password) a throwaway hash is
    checked instead, so the answer, always ``False``, takes as long as a real check.
    """
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        password = ""
    if not stored_hash:
        check_password_hash(_dummy_hash(METHOD), password)
        return False
    try:
        return check_password_hash(stored_hash, password)
    except ValueError:  # a hash in a format Werkzeug does not know
        check_password_hash(_dummy_hash(METHOD), password)
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with another method or cost than :data:`METHOD`."""
    return stored_hash.split("$", 1)[0] != METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)
