"""Automations (智能助手): rules in app metadata that act when records change.

:mod:`.triggers` decides which automations an event sets off, :mod:`.actions` carries
out what they do (create or update records, notify people, call webhooks), :mod:`.runner`
is the built-in plugin joining them to the records service and the process engine (and
to ``formflow tick`` for schedules), and :mod:`.log` keeps every run for the admins.
"""
