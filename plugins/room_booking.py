"""Room booking (会议室预订): refuses a booking that overlaps another confirmed booking of
the same meeting room.

Enable it in an app's ``app.json`` (``"plugins": ["room_booking"]``; the shipped ``oa``
app does).  The app needs a booking entity shaped like this (every name is a setting;
defaults in brackets, override one with ``FORMFLOW_PLUGIN_ROOM_BOOKING_<KEY>``)::

    booking [entity]                  the entity of bookings
      room [room_field]               link to the room entity
      starts_at [start_field]         datetime
      ends_at [end_field]             datetime
      status [status_field]           select; bookings whose status is one of
                                      ["cancelled"] [free_statuses] hold no room

Two bookings of a room overlap when each starts before the other ends, so a meeting
from 10:00 to 11:00 and the next from 11:00 to 12:00 do not clash.  Deleted bookings
hold no room either.

``record_validate`` reports the clash on the start field, naming the other booking
and its times (in the site's time zone), so the form shows it while the user types.
``record_before_save`` checks again on the real save with the room's row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serializes writers), so two people
booking the same slot at the same moment cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from formflow.plugins import ValidationFailed, hookimpl, message

MANIFEST = {
    "name": "room_booking",
    "version": "1.0",
    "description": {
        "en": "Refuses meeting-room bookings that overlap a confirmed booking of the same "
              "room.",
        "zh-CN": "会议室预订与同一会议室已确认的预订时间重叠时，不予预订。",
    },
    "settings": {
        "entity": "booking",
        "room_field": "room",
        "start_field": "starts_at",
        "end_field": "ends_at",
        "status_field": "status",
        "free_statuses": ["cancelled"],
    },
}


@hookimpl
def startup(settings, runtime):
    plugin = runtime.plugins.get(MANIFEST["name"])
    for name in runtime.model.apps:
        if runtime.plugins.enabled(plugin, name):
            problem = mapping_problem(runtime.model, name, settings)
            if problem:
                raise ValueError(f"app {name}: {problem} (see the room_booking settings)")


@hookimpl
def record_validate(conn, entity, record, settings, runtime):
    if entity.name != settings["entity"]:
        return None
    clash = _clash(conn, entity, record, settings, runtime, lock=False)
    return {settings["start_field"]: [clash]} if clash else None


@hookimpl
def record_before_save(conn, entity, record, settings, runtime):
    if entity.name != settings["entity"]:
        return
    clash = _clash(conn, entity, record, settings, runtime, lock=True)
    if clash:
        raise ValidationFailed({settings["start_field"]: [clash]})


def _clash(conn, entity, record, settings, runtime, *, lock: bool):
    """The message for the first confirmed booking ``record`` overlaps, or None."""
    room = record.get(settings["room_field"])
    start = record.get(settings["start_field"])
    end = record.get(settings["end_field"])
    if (
        room is None
        or start is None
        or end is None
        or end <= start
        or record.get(settings["status_field"]) in settings["free_statuses"]
    ):
        return None  # nothing to hold, or the entity's own rules report the problem
    tables = runtime.schema[entity.qualified_name]
    main = tables.main
    if lock:
        _lock_room(conn, runtime, entity, settings, room)
    where = [
        main.c[settings["room_field"]] == room,
        main.c[settings["start_field"]] < end,
        main.c[settings["end_field"]] > start,
        main.c._deleted_at.is_(None),
        sa.or_(
            main.c[settings["status_field"]].is_(None),
            main.c[settings["status_field"]].not_in(list(settings["free_statuses"])),
        ),
    ]
    if record.get("id") is not None:
        where.append(main.c.id != record["id"])
    other = conn.execute(
        sa.select(
            main.c._number,
            main.c._title,
            main.c[settings["start_field"]].label("start"),
            main.c[settings["end_field"]].label("end"),
        )
        .where(*where)
        .order_by(main.c[settings["start_field"]])
        .limit(1)
    ).first()
    if other is None:
        return None
    zone = runtime.timezone
    when = f"{_local(other.start, zone)}–{_local(other.end, zone, time_only=True)}"
    booking = " ".join(part for part in (other._number, other._title) if part)
    return message(
        {
            "en": f"The room is already booked from {when} ({booking}).",
            "zh-CN": f"该会议室在 {when} 已被预订（{booking}）。",
        }
    )


def _lock_room(conn, runtime, entity, settings, room_id: int) -> None:
    """Lock the room's row so concurrent bookings of the same room are serialized."""
    room_entity = entity.field(settings["room_field"]).to
    rooms = runtime.schema[room_entity].main
    conn.execute(sa.select(rooms.c.id).where(rooms.c.id == room_id).with_for_update()).first()


def _local(value: datetime, zone, *, time_only: bool = False) -> str:
    if zone is not None and value.tzinfo is not None:
        value = value.astimezone(zone)
    return value.strftime("%H:%M" if time_only else "%Y-%m-%d %H:%M")


def mapping_problem(model, app: str, settings) -> str | None:
    """What in ``app`` does not fit the settings, or None."""
    entity = model.entity(f"{app}.{settings['entity']}")
    if entity is None:
        return f"no entity {settings['entity']!r}"
    expected = (
        ("room_field", ("link",)),
        ("start_field", ("datetime",)),
        ("end_field", ("datetime",)),
        ("status_field", ("select", "text")),
    )
    for key, kinds in expected:
        field = entity.field(settings[key])
        if field is None or field.type not in kinds:
            return f"{entity.name} needs a {' or '.join(kinds)} field {settings[key]!r}"
    return None
