"""What the navigation of every page counts for the signed-in user: the approvals that
await them and their unread notifications, in one read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from formflow.auth import User

if TYPE_CHECKING:
    from formflow.process.notifications.service import NotificationService
    from formflow.process.service import ProcessService
    from formflow.storage.database import Database


@dataclass(frozen=True)
class NavCounts:
    tasks: int
    unread: int


class Navigation:
    def __init__(self, db: Database, process: ProcessService, notifications: NotificationService):
        self.db = db
        self.process = process
        self.notifications = notifications

    def counts(self, user: User) -> NavCounts:
        """``user``'s open approval tasks and unread notifications."""
        with self.db.one_read():
            return NavCounts(
                self.process.open_task_count(user), self.notifications.unread_count(user)
            )
