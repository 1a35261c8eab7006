"""E-mail for notifications, when ``FORMFLOW_SMTP_URL`` is set.

A notification stored in a write transaction is mailed once that transaction has
committed (never from inside it: a rolled-back action sends nothing, and a slow mail
server holds no lock).  Each mail is first *claimed* by setting ``emailed_at``, so two
processes never send the same one; a send that fails is logged and released, and
``formflow tick`` tries again for a day.  A mail failure never breaks the action.

``FORMFLOW_SMTP_URL``: ``smtp://user:password@host:port`` (plain; ``?starttls=1`` to
upgrade with STARTTLS; port 25 by default), ``smtp+starttls://...`` (port 587) or
``smtps://...`` (TLS from the start, port 465).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import users
from formflow.fields.columns import utcnow
from formflow.i18n import negotiate
from formflow.process.notifications.service import TEXTS, describe, render
from formflow.process.tables import notifications
from formflow.settings import parse_smtp_url
from formflow.storage.database import after_commit

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
#: How long ``formflow tick`` keeps retrying a mail that could not be sent.
RETRY_WINDOW = timedelta(days=1)
RETRY_BATCH = 500
GREETING = {"en": "Hello {name},", "zh-CN": "{name}，您好："}
SIGNATURE = {"en": "— Formflow (this message was sent automatically)",
             "zh-CN": "—— Formflow（系统自动发送，请勿回复）"}


class Mailer:
    """Sends notifications by e-mail.  ``queue`` is what the process engine calls when
    it stores a notification; it does nothing unless SMTP is configured."""

    def __init__(self, db, model, schema, settings, *, kinds=TEXTS):
        self.db = db
        self.kinds = kinds  # the texts of every notification kind
        self.model = model
        self.schema = schema
        self.timezone = settings["TIMEZONE"]
        self.language = settings.get("LANGUAGE")
        url = settings.get("SMTP_URL")
        self.server = parse_smtp_url(url) if url else None
        self.sender = settings.get("MAIL_FROM") or "formflow@localhost"

    @property
    def configured(self) -> bool:
        return self.server is not None

    def queue(self, conn: Connection, notification_id: int) -> None:
        """Mail notification ``notification_id`` after ``conn``'s transaction commits
        (the notifications of one transaction go out over one connection)."""
        if not self.configured:
            return
        batch = after_commit(conn, _Batch(self), key=("mail", id(self)))
        if batch is not None:
            batch.ids.append(notification_id)

    def deliver(self, ids: Sequence[int]) -> int:
        """Claim and send the mails of notifications ``ids`` that still need one; returns
        how many were sent.  Never raises for a mail problem: it is logged."""
        if not self.configured or not ids:
            return 0
        with self.db.write() as conn:
            claimed = self._claim(conn, ids)
        if not claimed:
            return 0
        with self.db.read() as conn:
            letters = self._letters(conn, claimed)
        sent, failed = self._send(letters)
        if failed:
            with self.db.write() as conn:
                conn.execute(notifications.update().where(notifications.c.id.in_(failed))
                             .values(emailed_at=None))
        return len(sent)

    def deliver_pending(self, now: datetime | None = None) -> int:
        """Send the mails that could not be sent before (within :data:`RETRY_WINDOW`)."""
        if not self.configured:
            return 0
        now = now or utcnow()
        with self.db.read() as conn:
            ids = list(conn.scalars(
                sa.select(notifications.c.id)
                .join(users, users.c.id == notifications.c.user_id)
                .where(notifications.c.emailed_at.is_(None),
                       notifications.c.created_at >= now - RETRY_WINDOW,
                       users.c.email.is_not(None), users.c.active.is_(True))
                .order_by(notifications.c.id).limit(RETRY_BATCH)
            ))
        return self.deliver(ids)

    # -- steps --------------------------------------------------------------------------

    def _claim(self, conn: Connection, ids: Sequence[int]) -> list[int]:
        """Mark the unsent ones whose user has an address as sent; only this caller
        sends those."""
        with_address = sa.select(users.c.id).where(users.c.email.is_not(None),
                                                   users.c.active.is_(True))
        result = conn.execute(
            notifications.update()
            .where(notifications.c.id.in_(list(ids)), notifications.c.emailed_at.is_(None),
                   notifications.c.user_id.in_(with_address))
            .values(emailed_at=utcnow())
            .returning(notifications.c.id)
        )
        return sorted(result.scalars())

    def _letters(self, conn: Connection, ids: list[int]) -> list[tuple[int, EmailMessage]]:
        rows = conn.execute(sa.select(notifications).where(notifications.c.id.in_(ids))).all()
        people = {u.id: u for u in conn.execute(
            sa.select(users.c.id, users.c.email, users.c.display_name, users.c.username,
                      users.c.language).where(users.c.id.in_({r.user_id for r in rows})))}
        letters = []
        for notice in describe(conn, self.model, self.schema, self.timezone, rows):
            person = people[notice.user_id]
            lang = negotiate(person.language or self.language)
            subject, text = render(notice, lang, self.kinds)
            message = EmailMessage()
            message["Subject"] = subject
            message["From"] = self.sender
            message["To"] = formataddr((person.display_name or person.username, person.email))
            message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
            name = person.display_name or person.username
            message.set_content("\n\n".join([GREETING[lang].format(name=name), text,
                                             SIGNATURE[lang]]) + "\n")
            letters.append((notice.id, message))
        return letters

    def _send(self, letters) -> tuple[list[int], list[int]]:
        """Send over one connection; returns (sent ids, ids to try again later)."""
        sent: list[int] = []
        try:
            with self._connect() as smtp:
                for notification_id, message in letters:
                    try:
                        smtp.send_message(message)
                        sent.append(notification_id)
                    except smtplib.SMTPRecipientsRefused:  # a bad address: do not retry
                        logger.warning("mail for notification %s refused by the server; "
                                       "not retried", notification_id)
                        sent.append(notification_id)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("could not send mail through %s:%s: %s", self.server.host,
                           self.server.port, error)
        return sent, [i for i, _ in letters if i not in sent]

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        try:
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class _Batch:
    """The notifications one transaction created, mailed once it commits."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self.ids: list[int] = []

    def __call__(self) -> None:
        self.mailer.deliver(self.ids)

    def __repr__(self) -> str:
        return f"<mail for notifications {self.ids}>"
