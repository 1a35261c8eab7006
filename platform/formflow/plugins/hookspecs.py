"""The hook specifications: the plugin reference.

Hooks are called with keyword arguments only; an implementation takes only the
arguments it needs.  Besides a hook's own arguments, any implementation may also take

- ``settings``: its plugin's settings (the manifest's ``settings`` defaults, each
  overridden by ``FORMFLOW_PLUGIN_<NAME>_<KEY>``), a read-only mapping;
- ``runtime``: the app's :class:`formflow.runtime.Runtime` (model, records service,
  database, ...); None in the hooks that run before the metadata is loaded
  (``register_field_types``, ``register_expression_functions``, ``register_tables``).

Record and process hooks run inside the operation's transaction (``conn``): raising
:class:`formflow.errors.ServiceError` shows its message to the user; any other exception
becomes :class:`formflow.plugins.manager.PluginFailed` naming the plugin.  Either way the
whole operation is rolled back.  Record and process hooks run only for the apps that
enabled the plugin (``"plugins"`` in app.json, or ``"apps": ["*"]`` in the manifest);
the registration hooks and ``startup`` run for every loaded plugin.

Records reach hooks in the records layer's internal form: user fields as user names,
departments as codes, links as ids, decimals as ``Decimal``, line items as lists of
dicts; system fields (``id``, ``_state``, ``_version``, ...) beside them.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("formflow")


# -- records ------------------------------------------------------------------------------


@hookspec
def record_validate(conn, user, entity, record, current):
    """Check a record about to be saved.

    ``record`` is the merged record (internal form), ``current`` the stored one or None
    on create.  Return ``{"field path": [Message, ...]}`` (``""`` for the whole record,
    ``"lines[0].qty"`` for a line-item cell) or None; every plugin's errors are reported
    together with the built-in ones (422).  Also runs for the live preview of forms."""


@hookspec
def record_before_save(conn, user, entity, record, current, changed):
    """Called after validation, before the write; may change ``record`` in place.
    ``changed`` is the set of field names the caller changed; ``current`` the stored
    record or None on create."""


@hookspec
def record_after_save(conn, user, entity, record, current):
    """Called after the write, in the same transaction.  ``record`` is the saved record
    (with ``id``, ``_version``, ``_state``); ``current`` the previous one or None.
    Also runs when a process step saves the record."""


@hookspec
def record_after_commit(db, user, entity, record, current, action):
    """Called once the transaction that changed a record has committed: the place for
    side effects that must never happen for a change that is rolled back (e-mail, HTTP
    calls, queues).  Never called inside the transaction, and never when it rolls back.

    ``action`` is ``"create"``, ``"update"``, ``"delete"`` or ``"restore"``; ``record``
    is the record as committed, ``current`` as it was before the transaction (None on
    create).  A record saved several times in one transaction (a process step with
    values) gets one call.  ``db`` is the :class:`formflow.storage.database.Database`:
    open a transaction of your own to write.  An error here is logged under the
    plugin's name; the committed change stays."""


@hookspec
def record_before_delete(conn, user, entity, record):
    """Called before a soft delete, in its transaction; raise a ServiceError to refuse
    it."""


@hookspec
def record_writable_fields(conn, user, entity, record):
    """Limit which fields ``user`` may change on the stored ``record`` now.

    Return None (no opinion) or a set of field names ("*" in it: every field); the
    records service intersects the answers of every plugin.  The process engine uses it
    for a state's ``editable`` list and to lock final states."""


@hookspec
def record_read_scope(user, entity, table):
    """Widen what counts as ``user``'s own records of ``entity`` (the ``own`` and
    ``department`` scopes, for reading and every other operation they limit).

    Return None or a SQLAlchemy condition on ``table`` (the entity's main table); a
    record is the user's own when they created it or any plugin's condition holds.  The
    process engine adds the records the user holds or held a task on."""


@hookspec
def record_hidden_fields(conn, user, entity, table, record_ids):
    """Hide fields of particular records of ``entity`` from ``user``, beyond the fields'
    ``read`` roles.

    ``record_ids`` is a list of record ids, or None for every record of ``entity``;
    ``table`` is the entity's main table.  Return None or a mapping of record id to the
    field names hidden on it (records hiding nothing left out); the records service
    joins the answers of every plugin.  Hidden values are left out of the record's JSON,
    its list rows, exports and history (lists ask ``record_hidden_anywhere`` first).  The
    process engine hides a state's ``hidden`` fields from the holders of its open
    tasks."""


@hookspec
def record_hidden_anywhere(conn, user, entity, table):
    """Say which fields of ``entity`` are hidden from ``user`` on at least one record, as
    ``record_hidden_fields`` would answer for every record, without naming the records.

    Return None or a collection of field names; ``table`` is the entity's main table.
    Asked once per list before its query: a list may not filter, sort, search or sum on
    these fields, and only when there are any are its rows asked about one by one.  The
    process engine answers with the ``hidden`` fields of the states the user holds
    open tasks of."""


@hookspec(firstresult=True)
def record_edit_refusal(conn, user, entity, record):
    """Say why ``user`` may not edit the stored ``record`` now.

    Asked when ``record_writable_fields`` leaves no field to change, so that pages and
    the API can tell the user why (the Edit button's reason).  Return a ``Message`` or
    None; the first answer wins.  The process engine explains records in approval and
    finished ones."""


# -- processes ----------------------------------------------------------------------------


@hookspec(firstresult=True)
def process_before_transition(conn, user, entity, record, process, action, from_state,
                              to_state, comment):
    """Called before a record moves from ``from_state`` to ``to_state``, in the action's
    transaction; may veto the move.

    ``action`` is the transition's name, a built-in move (``"withdraw"``, ``"cancel"``)
    or, from ``formflow tick``, an SLA ``on_breach`` action (then ``user`` is the system
    user, ``id`` None).  ``record`` is the record as it will be saved: the values sent
    with the step and the transition's ``set`` applied, ``_state`` still the old one.

    To veto, return a :class:`formflow.i18n.Message` (``formflow.plugins.message({"en":
    ..., "zh-CN": ...})``) or raise a ServiceError: the user gets the message (422 for a
    returned message) and nothing of the action is kept.  Return None to allow.  The
    first plugin that vetoes decides; the others are not asked."""


@hookspec
def process_after_transition(conn, user, entity, record, process, action, from_state,
                             to_state, comment, event_id):
    """Called after a record moved, in the same transaction: the record is saved in
    ``to_state``, the event (``event_id``) logged and the new state's tasks opened.
    ``record`` is the saved record.  Raising rolls the whole action back.

    In a parallel state (并行分支) a move inside a branch keeps the record's ``_state``:
    ``from_state`` is the branch's step and ``to_state`` its next step, or the parallel
    state when the branch ended (done, or rejected when only the branch ends)."""


@hookspec
def task_opened(conn, entity, record, task):
    """Called when an approval task opens (a state is entered, a sequential approval
    reaches the next assignee, a task is transferred, an approver added or an SLA
    escalation assigns one), in the same transaction.

    ``task`` is a dict: ``id``, ``state``, ``visit``, ``assignee`` (user name),
    ``assignee_id``, ``position``, ``origin`` (assigned, transfer, add_approver,
    escalation), ``flagged``, ``opened_at``, ``due_at``.  Copies (cc) are not tasks to
    act on and do not call it."""


@hookspec
def task_closed(conn, entity, record, task):
    """Called when an open approval task closes, in the same transaction.  ``task`` is
    the dict of :func:`task_opened` plus ``status`` (``"done"``: its assignee decided;
    ``"cancelled"``: another decision, a move or a deletion ended it), ``decision``
    (the action taken, ``"transfer"``, ``"timeout"`` or None), ``comment`` and
    ``closed_at``."""


# -- registration -------------------------------------------------------------------------


@hookspec
def register_field_types():
    """Return field types to add: a list of :class:`formflow.fields.FieldType`
    instances.  They are registered before the metadata loads, so apps can use them as
    ``"type": "<name>"`` and ``formflow check`` knows them.  A name already taken (by a
    built-in type or another plugin) stops start-up.  A type may override ``display(field,
    value, lang)`` for how pages show a value (masking, say); the API keeps
    ``to_json``.  Its form widget, OpenAPI schema, spreadsheet cells and property schema
    come from the class it derives from unless it overrides them (see
    :class:`formflow.fields.FieldType`)."""


@hookspec
def register_expression_functions():
    """Return ``{"name": callable}``: functions metadata expressions may call (defaults,
    computed fields, conditions, guards).  A function gets plain values and should
    return None for an empty input; wrap it in
    :class:`formflow.expressions.ContextFunction` to receive the evaluation context
    (user, clock) first.  A built-in function cannot be replaced."""


@hookspec
def register_record_actions():
    """Return a list of :class:`formflow.plugins.RecordAction`: buttons on the record
    page and ``POST /api/v1/<app>/<entity>/<id>/plugin-actions/<name>``.

    ``RecordAction(name, label, run, entities=(), roles=("admin",), confirm=None)``:
    ``entities`` lists entity names (plain or qualified; empty: every entity of the apps
    that enabled the plugin); ``roles`` who may run it (besides read access to the
    record).  ``run`` takes keyword arguments of its choice among ``conn``, ``user``,
    ``entity``, ``record``, ``params`` (the request's JSON object), ``settings`` and
    ``runtime``; it runs in one transaction with the record's row locked, and returns a
    JSON-able result or None.  ``GET .../plugin-actions`` lists the ones the caller may
    run."""


@hookspec
def register_pages():
    """Return a Flask blueprint (or a list of them) with the plugin's pages and API
    routes.  Each is registered after the core blueprints under the name
    ``plugin_<plugin name>`` (``plugin_<plugin name>_<blueprint name>`` when a plugin has
    several), so ``url_for("plugin_webhooks.page")`` works.  A blueprint keeps the
    ``url_prefix`` it was made with; choose one that the core does not use
    (``/plugins/<name>`` for pages, ``/api/v1/...`` for API routes).  Views check
    sign-in and permissions themselves."""


@hookspec
def register_menu_links():
    """Return a list of :class:`formflow.plugins.MenuLink`: links to the plugin's pages
    in the menu of every app that enabled the plugin (the navbar's app menu and the home
    page), after the app's entities.

    ``MenuLink(name, label, endpoint, visible=None)``: the link goes to
    ``url_for(endpoint, app=<app name>)``; ``visible`` decides who sees it, called with
    keyword arguments of its choice among ``user``, ``app``, ``settings`` and
    ``runtime`` (None: every signed-in user).  It only hides the link: the page itself
    still checks permissions."""


@hookspec
def register_admin_links():
    """Return a list of :class:`formflow.plugins.MenuLink`: the plugin's pages in the
    admin area, as tabs after the built-in sections (admins only).

    The link goes to ``url_for(endpoint)``; ``visible`` is not used (the admin area is
    for admins, and the page still checks permissions itself)."""


@hookspec
def register_admin_log_actions():
    """Return the names of the actions the plugin writes to the admin log (with
    ``formflow.plugins.admin_log``), such as ``["webhook.create"]``: the admin log page
    offers them as filters beside the platform's own."""


@hookspec
def register_notification_kinds():
    """Return ``{"kind": {"en": (subject, sentence), "zh-CN": (subject, sentence)}}``:
    notification kinds the plugin sends with ``runtime.notifications.send(conn, user_ids,
    kind, entity, record_id)``.  The sentence may use ``{entity}`` (the entity's label)
    and ``{title}`` (the record's title); the subject is followed by the title.  A kind
    is lower_snake_case, at most 32 characters, and may not be a built-in kind (task,
    cc, reminder, breach, nudge) or another plugin's."""


@hookspec
def register_jobs():
    """Return a list of :class:`formflow.plugins.Job`: work ``formflow tick`` runs every
    ``interval`` (seconds, a timedelta or a duration such as ``"5m"``).

    ``run`` takes keyword arguments of its choice among ``conn`` (then it runs in one
    write transaction, rolled back if it raises), ``db`` (to manage transactions itself,
    e.g. around network calls), ``now``, ``settings`` and ``runtime``; it returns an int
    (items handled, for the summary) or None.  A job is claimed through a row of
    ``ff_plugin_jobs`` before it runs, so several tick processes never run it twice at
    once; still, make it idempotent (a crash can repeat a run).  A failure is logged
    under the plugin's name and retried when the job is next due."""


@hookspec
def register_tables():
    """Return the plugin's own tables (SQLAlchemy ``Table`` objects on a ``MetaData``
    of the plugin, names starting with ``<plugin name>_``).  ``formflow init`` and
    ``formflow migrate`` create the missing ones; they are never altered or dropped, so a
    plugin changing a table later migrates it itself."""


@hookspec
def template_folders():
    """Return folders of Jinja templates searched before ``templates/``: a template
    there overrides the core one of the same name (``records/record-<app>-<entity>.html``
    overrides one entity's record page), and a plugin's own pages find theirs (keep
    them in a folder named after the plugin)."""


@hookspec
def startup(app):
    """Called once at the end of ``create_app(app)``: settings, extensions, metadata,
    plugins and blueprints are ready (for a ``formflow`` command that works on data, the
    plugin blueprints but not the core pages and REST API).  Check the plugin's settings
    against the model here; raising stops start-up with the message."""
