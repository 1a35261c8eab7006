"""Single sign-on with OpenID Connect: who the identity provider's claims say a person
is, in Formflow's users.

The HTTP side (redirecting to the provider, checking the ID token's signature, issuer,
audience and nonce) is Authlib's, in :mod:`formflow.web.sso`; this module takes the
verified claims.  A person is found by the user-name claim, else by e-mail; when neither
matches and ``OIDC_CREATE_USERS`` is on, a user is made (without a password).  When the
settings name a roles claim, the user's roles follow it on every sign-in, through
``OIDC_ROLE_MAP`` (a claim value -> role); a department claim sets the department by code.
An inactive user is refused, as with a password.  Each sign-in is one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from formflow.auth.departments import get_department_by_code
from formflow.auth.sessions import password_stamp
from formflow.auth.tables import users as users_table
from formflow.auth.users import (
    User,
    create_user,
    get_user_by_name,
    get_users,
    set_department,
    set_profile,
    set_roles,
)

#: What a user name may hold (as :func:`formflow.auth.users.is_valid_username`).
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class SignInRefused(Exception):
    """The provider vouched for someone Formflow will not sign in; ``reason`` says why
    (``unknown``: no such user and none may be made; ``inactive``; ``no_name``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    username_claim: str = "preferred_username"
    create_users: bool = True
    roles_claim: str | None = None
    role_map: Mapping[str, str] = field(default_factory=dict)
    department_claim: str | None = None
    label: str = ""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> OidcSettings | None:
        """The provider the settings configure, or None (single sign-on is off)."""
        if not settings.get("OIDC_ISSUER"):
            return None
        role_map = settings.get("OIDC_ROLE_MAP") or {}
        if isinstance(role_map, str):
            role_map = json.loads(role_map)
        return cls(
            issuer=settings["OIDC_ISSUER"].rstrip("/"),
            client_id=settings["OIDC_CLIENT_ID"],
            client_secret=settings.get("OIDC_CLIENT_SECRET") or "",
            scopes=settings.get("OIDC_SCOPES") or cls.scopes,
            username_claim=settings.get("OIDC_USERNAME_CLAIM") or cls.username_claim,
            create_users=bool(settings.get("OIDC_CREATE_USERS", True)),
            roles_claim=settings.get("OIDC_ROLES_CLAIM") or None,
            role_map=dict(role_map),
            department_claim=settings.get("OIDC_DEPARTMENT_CLAIM") or None,
            label=settings.get("OIDC_LABEL") or "",
        )


@dataclass(frozen=True)
class SsoSignIn:
    user: User
    stamp: str | None
    created: bool


class SingleSignOn:
    def __init__(self, db, settings: OidcSettings, known_roles: Collection[str]):
        self.db = db
        self.settings = settings
        self.known_roles = set(known_roles)

    def sign_in(self, claims: Mapping[str, Any]) -> SsoSignIn:
        """The user the verified ``claims`` name, made or brought up to date."""
        name = _user_name(claims.get(self.settings.username_claim) or claims.get("email"))
        if not name:
            raise SignInRefused("no_name")
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        display = claims.get("name") if isinstance(claims.get("name"), str) else None
        with self.db.write() as conn:
            user = get_user_by_name(conn, name) or self._by_email(conn, email)
            created = user is None
            if created:
                if not self.settings.create_users:
                    raise SignInRefused("unknown")
                user = create_user(conn, name, None, display_name=display, email=email)
            elif not user.active:
                raise SignInRefused("inactive")
            elif display or email:
                set_profile(conn, user.id, display_name=display or user.display_name,
                            email=email or user.email, language=user.language)
            self._apply_claims(conn, user, claims)
            user = get_users(conn, [user.id])[user.id]
            return SsoSignIn(user, password_stamp(conn, user.id), created)

    def _by_email(self, conn, email: str | None) -> User | None:
        if not email:
            return None
        found = conn.execute(sa.select(users_table.c.id).where(
            sa.func.lower(users_table.c.email) == email.lower())).scalars().all()
        return get_users(conn, found)[found[0]] if len(found) == 1 else None

    def _apply_claims(self, conn, user: User, claims: Mapping[str, Any]) -> None:
        settings = self.settings
        if settings.roles_claim:
            values = claims.get(settings.roles_claim) or []
            values = [values] if isinstance(values, str) else list(values)
            mapped = {settings.role_map[v] for v in values if v in settings.role_map}
            roles = {"user"} | {r for r in mapped if r in self.known_roles | {"admin"}}
            set_roles(conn, user.id, sorted(roles))
        if settings.department_claim:
            code = claims.get(settings.department_claim)
            if isinstance(code, str) and get_department_by_code(conn, code) is not None:
                set_department(conn, user.id, code)


def _user_name(value: Any) -> str:
    """A valid Formflow user name made from a claim (``Zhang.Wei@corp`` -> ``Zhang.Wei``)."""
    if not isinstance(value, str):
        return ""
    return _NAME_CHARACTERS.sub("_", value.partition("@")[0]).strip("._-")[:64]
