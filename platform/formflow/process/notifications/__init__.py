"""Notifications: stored for their user and listed in the bell (:mod:`.service`), and
mailed when SMTP is configured (:mod:`.mail`)."""
