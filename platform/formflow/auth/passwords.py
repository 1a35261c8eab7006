"""Password hashing: scrypt through Werkzeug, the password policy, and even timing.

Only hashes are stored.  Checking a password for a user who does not exist still runs
one scrypt verification (against a throwaway hash), so the time a failed sign-in takes
does not tell which user names exist.

The policy (:class:`~formflow.auth.policy.AccountPolicy`) refuses a password shorter than
its minimum, and, unless switched off, one of the 10,000 commonest passwords
(``common_passwords.txt``, compared regardless of case, also with trailing digits and
punctuation taken off: ``Password2024!`` is ``password``) and one made of the user name
(the name, reversed or not, with fewer than four other letters: ``alice``,
``Alice2024!``, ``ecila``).
"""

from __future__ import annotations

import functools
import re
import secrets
from importlib import resources

from werkzeug.security import check_password_hash, generate_password_hash

from formflow.auth.policy import DEFAULT_POLICY, AccountPolicy
from formflow.errors import ValidationFailed
from formflow.i18n import Message

#: The hashing method for new hashes (Werkzeug's scrypt with its default cost, spelled
#: out so a stored hash made with other parameters is recognised and upgraded).
METHOD = "scrypt:32768:8:1"
MIN_LENGTH = DEFAULT_POLICY.min_password_length
#: Longer inputs are refused before hashing: nobody types them, and they only cost time.
MAX_LENGTH = 1024
_TRAILING_DIGITS_AND_PUNCTUATION = re.compile(r"[\W\d_]+$")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def password_problems(
    password: object, username: str | None = None, policy: AccountPolicy = DEFAULT_POLICY
) -> list[Message]:
    """Why ``password`` may not be used by ``username`` (empty when it may)."""
    if not isinstance(password, str) or len(password) < policy.min_password_length:
        return [Message("weak_password", {"min": policy.min_password_length})]
    if len(password) > MAX_LENGTH:
        return [Message("max_length", {"max": MAX_LENGTH})]
    if policy.check_common_passwords:
        if is_common(password):
            return [Message("common_password")]
        if isinstance(username, str) and is_made_of_name(password, username):
            return [Message("password_like_username")]
    return []


def is_common(password: str) -> bool:
    """Whether ``password``, or it without trailing digits and punctuation, is one of the
    commonest passwords (any case)."""
    lowered = password.lower()
    stem = _TRAILING_DIGITS_AND_PUNCTUATION.sub("", lowered)
    return lowered in _common_passwords() or (len(stem) >= 4 and stem in _common_passwords())


def is_made_of_name(password: str, username: str) -> bool:
    """Whether ``password`` holds the user name (or its reverse) and fewer than four
    letters besides."""
    lowered, name = password.lower(), username.lower()
    for part in (name, name[::-1]):
        if len(part) >= 3 and part in lowered:
            rest = _NOT_LETTERS.sub("", lowered.replace(part, "", 1))
            if len(rest) < 4:
                return True
    return False


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("formflow.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_strength(
    password: object, *, field: str = "password", username: str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> None:
    """Raise :class:`~formflow.errors.ValidationFailed` (keyed by ``field``) for a
    password that may not be used."""
    problems = password_problems(password, username, policy)
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
