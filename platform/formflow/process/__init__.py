"""The process engine: states, transitions, tasks, SLA timers, the working calendar,
notifications and the event log."""
