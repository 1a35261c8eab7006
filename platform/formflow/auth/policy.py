"""The account policy an installation chooses: what a password must be, how long an API
token lives, and whether a new password revokes the user's tokens.

Built once from the settings (``FORMFLOW_PASSWORD_MIN_LENGTH``,
``FORMFLOW_PASSWORD_CHECK_COMMON``, ``FORMFLOW_TOKEN_DAYS``,
``FORMFLOW_PASSWORD_CHANGE_REVOKES_TOKENS``) and handed to the functions of
:mod:`~formflow.auth.users` and :mod:`~formflow.auth.tokens`; their default is
:data:`DEFAULT_POLICY`, the settings' defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountPolicy:
    #: The fewest characters a password may have.
    min_password_length: int = 8
    #: Refuse the commonest passwords (a bundled list) and ones made of the user name.
    check_common_passwords: bool = True
    #: The lifetime of a new API token in days, and the longest one may ask for;
    #: 0: tokens never expire unless a shorter lifetime is asked for.
    token_days: int = 90
    #: A new password revokes the user's API tokens.
    password_change_revokes_tokens: bool = True

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AccountPolicy:
        return cls(
            min_password_length=settings["PASSWORD_MIN_LENGTH"],
            check_common_passwords=settings["PASSWORD_CHECK_COMMON"],
            token_days=settings["TOKEN_DAYS"],
            password_change_revokes_tokens=settings["PASSWORD_CHANGE_REVOKES_TOKENS"],
        )


DEFAULT_POLICY = AccountPolicy()
