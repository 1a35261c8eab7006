"""CSV and XLSX import and export of an entity's records.

``columns`` decides which fields a file holds and maps a file's header back to them,
``cells`` turns values into cell text and back (with spreadsheet-formula protection),
``links`` writes links as the target's number and reads a number, id or title back,
``reading`` and ``writing`` know the two file formats, and ``exporting`` and
``importing`` are the services the CLI, the REST API and the pages call.
"""
