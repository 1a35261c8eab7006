"""Record pages: an entity's list (:mod:`.listing`, saved views in :mod:`.saved_views`),
its CSV/XLSX export and import (:mod:`.import_export`, :mod:`.import_columns`, a big
file's background import in :mod:`.import_jobs`), the create and edit forms
(:mod:`.form`), a record's page (:mod:`.page`) and its plugin buttons
(:mod:`.plugin_actions`), uploads and downloads (:mod:`.files`), search-as-you-type
choices (:mod:`.pickers`); and what other areas use to show records: entity lookup and
layout (:mod:`.entities`), values shown (:mod:`.display`, :mod:`.field_templates`) and
read back from forms (:mod:`.formdata`)."""
