"""Records: the service behind pages and the REST API (create, read, update, delete,
restore, list, history), with its save pipeline, queries, access checks and audit."""
