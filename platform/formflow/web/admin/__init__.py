"""The admin area's sections: users, departments, roles, the organisation file,
plugins, automations and the audit log.  Their frame (tabs, shared form helpers, the
front page) is :mod:`formflow.web.admin_area`."""
