"""HTTP helpers shared by the pages (web/) and the REST API (api/): the caller's
language and file downloads."""
