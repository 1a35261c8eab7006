"""The admin area's sections: users, departments, roles, the organisation file, hourly
costs, plugins, automations and the audit log.  Each adds its pages to the ``admin``
blueprint of :mod:`formflow.web.admin.area` (the frame: the admin guard, the tabs, the
front page), so none checks for an admin itself."""
