"""Insight pages: dashboards over records (:mod:`.dashboards`, drawn by :mod:`.charts`)
and the process catalogue, a process watched live and its figures, and two selections
of its cases compared (:mod:`.processes`, :mod:`.step_owners`)."""
