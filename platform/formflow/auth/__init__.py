"""Identity and permissions: users, departments, roles, API tokens, sign-in throttling.

The service layer below the web and API layers: functions take a SQLAlchemy
``Connection`` and work inside the caller's transaction; nothing here knows HTTP.

- :mod:`~formflow.auth.tables`: the ``ff_departments``, ``ff_users``,
  ``ff_user_roles``, ``ff_tokens``, ``ff_admin_log`` and ``ff_rate_limits`` tables.
- :mod:`~formflow.auth.users`: accounts, roles, managers, bulk name lookups.
- :mod:`~formflow.auth.sessions`: signing in, session stamps, ending sessions.
- :mod:`~formflow.auth.accounts`: a user's own account as pages and the API use it.
- :mod:`~formflow.auth.departments`: the organisation tree and its heads.
- :mod:`~formflow.auth.tokens`: API tokens, stored hashed.
- :mod:`~formflow.auth.remembered_tokens`: verified tokens a worker remembers, checked
  against :mod:`~formflow.auth.credentials_revision` in each request's first transaction.
- :mod:`~formflow.auth.passwords`: scrypt hashing and the strength floor.
- :mod:`~formflow.auth.permissions`: what roles may do with an entity and its fields.
- :mod:`~formflow.auth.throttle`: rate limits on guessing passwords and tokens, counted
  atomically in Redis, the database or this process.
- :mod:`~formflow.auth.admin_log`: the log of administrative actions and its reading.
- :mod:`~formflow.auth.directory`: the admins' service over users, departments and role
  memberships (permission checks and one transaction per change).
"""

from formflow.auth import tables
from formflow.auth.departments import (
    Department,
    create_department,
    department_codes_by_id,
    department_ids_by_code,
    get_department,
    get_department_by_code,
    head_of,
    list_departments,
    move,
    set_head,
    subtree_ids,
)
from formflow.auth.passwords import check_password_strength, hash_password, verify_password
from formflow.auth.permissions import (
    SCOPES,
    EntityGrant,
    can_read_field,
    can_write_field,
    grant_for,
    widest,
)
from formflow.auth.remembered_tokens import StaleCredentials
from formflow.auth.sessions import authenticate, end_sessions, password_stamp, user_for_session
from formflow.auth.throttle import LoginThrottle
from formflow.auth.tokens import (
    TokenInfo,
    TokenOwner,
    create_token,
    find_token_owner,
    list_tokens,
    revoke_token,
    touch_token,
    user_for_token,
)
from formflow.auth.users import (
    SYSTEM,
    User,
    activate,
    create_user,
    deactivate,
    get_user,
    get_user_by_name,
    get_users,
    list_users,
    set_department,
    set_manager,
    set_password,
    set_roles,
    user_ids_by_name,
    user_ids_in_departments,
    user_ids_with_role,
    usernames_by_id,
)

__all__ = [
    "SYSTEM",
    "StaleCredentials",
    "touch_token",
    "find_token_owner",
    "TokenOwner",
    "SCOPES",
    "Department",
    "EntityGrant",
    "LoginThrottle",
    "TokenInfo",
    "User",
    "activate",
    "authenticate",
    "can_read_field",
    "can_write_field",
    "check_password_strength",
    "create_department",
    "create_token",
    "create_user",
    "deactivate",
    "end_sessions",
    "department_codes_by_id",
    "department_ids_by_code",
    "get_department",
    "get_department_by_code",
    "get_user",
    "get_user_by_name",
    "get_users",
    "grant_for",
    "hash_password",
    "head_of",
    "list_departments",
    "list_tokens",
    "list_users",
    "move",
    "password_stamp",
    "revoke_token",
    "set_department",
    "set_head",
    "set_manager",
    "set_password",
    "set_roles",
    "subtree_ids",
    "tables",
    "user_for_session",
    "user_for_token",
    "user_ids_by_name",
    "user_ids_in_departments",
    "user_ids_with_role",
    "usernames_by_id",
    "verify_password",
    "widest",
]
