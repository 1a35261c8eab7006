"""Process pages: the record page's process area (:mod:`.area`) and action dialogs
(:mod:`.actions`), the diagram (:mod:`.diagram` and its graph and layout), state and
action labels (:mod:`.labels`), the inbox (:mod:`.inbox`, :mod:`.inbox_rows`,
:mod:`.inbox_actions`), handing a task to someone else (:mod:`.task_reassign`) and the
requester's rating of a finished case (:mod:`.case_feedback`)."""
