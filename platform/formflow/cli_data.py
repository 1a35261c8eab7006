"""The ``formflow`` commands that move data in and out: records (``import``,
``export``), the organisation (``import-org``, ``export-org``), whole apps
(``export-app``, ``import-app``) and ``user show``.
Each is a thin shell over a service; problems are printed in the acting user's
language (else FORMFLOW_LANGUAGE)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from formflow.auth import department_codes_by_id, get_user_by_name, usernames_by_id
from formflow.auth.admin_log import CLI
from formflow.errors import ServiceError
from formflow.i18n import negotiate
from formflow.runtime import get_runtime


@click.command("import")
@click.argument("entity", metavar="[APP.ENTITY", required=False)
@click.argument("file", metavar="FILE]", required=False,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--from-sql", "url", metavar="URL",
              help="Read the rows from a table of this database (a SQLAlchemy URL) "
                   "instead of a file.")
@click.option("--table", metavar="T", help="With --from-sql: the table (or schema.table).")
@click.option("--into", metavar="APP.ENTITY", help="With --from-sql: the entity to fill.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False),
              help='JSON file {"field": "source column", ...}: import only these columns, '
                   "each into its field.")
@click.option("--lines", "line_files", multiple=True, metavar="FIELD=FILE",
              help="The line items of table field FIELD from a CSV or XLSX FILE whose first "
                   "column is a column of the documents' file (e.g. _number); repeatable.")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@click.option("--key", metavar="FIELD",
              help="Update the record whose FIELD matches the row's (id, _number or a field); "
                   "create one when none does.")
@click.option("--as", "acting", default="admin", show_default=True, metavar="USER",
              help="The user the import runs as: their permissions apply and they create "
                   "the records.")
@with_appcontext
def import_command(entity, file, url, table, into, mapping, line_files, dry_run, key,
                   acting) -> None:
    """Import records into APP.ENTITY from a CSV or XLSX FILE whose first row names the
    fields, or with --from-sql URL --table T --into APP.ENTITY from a table of another
    database (read in chunks).  Line items come from the workbook's sheets named after
    table fields, from `FIELD.COLUMN` columns, or from --lines files.  All or nothing:
    any problem in any row writes nothing, and every problem is printed as
    `row N: field: message`; exit 1 then."""
    from formflow.io.importing import ImportFailed, error_lines
    from formflow.io.mapping import read_mapping

    if url is None and (table or into or not (entity and file)):
        raise click.UsageError("Give APP.ENTITY and FILE, or --from-sql URL --table T "
                               "--into APP.ENTITY.")
    if url is not None and (entity or file or not (table and into)):
        raise click.UsageError("--from-sql takes --table T --into APP.ENTITY, and no FILE.")
    runtime = get_runtime()
    user = acting_user(acting)
    lang = language(user)
    target = into or entity
    try:
        columns = None if mapping is None else read_mapping(Path(mapping).read_text("utf-8-sig"))
        lines = {}
        for item in line_files:
            name, sep, path = item.partition("=")
            if not sep or not Path(path).is_file():
                raise click.BadParameter(f"{item!r} is not FIELD=FILE", param_hint="--lines")
            lines[name] = path
        result = (_import_file(user, entity, file, columns, dry_run, key, lines) if url is None
                  else _import_sql(user, url, table, into, columns, dry_run, key))
    except ImportFailed as failed:
        for line in error_lines(failed.errors, lang, runtime.model.entity(target)):
            click.echo(line)
        click.echo(failed.message.render(lang), err=True)
        sys.exit(1)
    except ServiceError as error:
        click.echo(error.message.render(lang), err=True)
        sys.exit(1)
    done = "would be" if dry_run else "were"
    click.echo(f"{result.rows} row(s) checked: {result.created} record(s) {done} created, "
               f"{result.updated} updated, {result.unchanged} unchanged."
               + (" Dry run: nothing was written." if dry_run else ""))


def _import_file(user, entity, file, mapping, dry_run, key, lines):
    importer = get_runtime().importer
    for path in (file, *lines.values()):
        importer.check_size(os.path.getsize(path))  # before reading it all
    data = Path(file).read_bytes()
    return importer.run(user, entity, data, dry_run=dry_run, key=key, mapping=mapping,
                        lines={name: Path(path).read_bytes() for name, path in lines.items()})


def _import_sql(user, url, table, into, mapping, dry_run, key):
    from formflow.io.sql_source import sql_source

    columns = None if mapping is None else list(mapping.values())
    with sql_source(url, table, columns) as source:
        return get_runtime().importer.run_source(user, into, source, dry_run=dry_run,
                                                 key=key, mapping=mapping)


@click.command("export")
@click.argument("entity", metavar="APP.ENTITY")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
@click.option("--filter", "filters", multiple=True, metavar="FIELD[__OP]=VALUE",
              help="A filter as in the list API (kind=basic, qty__gte=5, q=text); repeat "
                   "for several.")
@click.option("--as", "acting", default="admin", show_default=True, metavar="USER",
              help="The user the export runs as: only what they may read is exported.")
@click.option("--codes", is_flag=True,
              help="Write option values and state names instead of their labels.")
@click.option("--lines", "with_lines", is_flag=True,
              help="Line items too: a sheet per table field (XLSX), or with CSV a file "
                   "OUTPUT-stem.FIELD.csv beside OUTPUT per table field.")
@with_appcontext
def export_command(
    entity: str, file_format: str, output: str | None, filters, acting, codes: bool,
    with_lines: bool,
) -> None:
    """Export the records of APP.ENTITY (UTF-8 CSV with a byte-order mark, or XLSX); the
    header row holds the field names, options and states show their labels in the
    user's language (--codes: their codes), and the file imports back as it is."""
    if with_lines and file_format == "csv" and output is None:
        raise click.UsageError("--lines with CSV writes several files: give -o FILE.")
    user = acting_user(acting)
    args: dict[str, list[str]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--filter")
        args.setdefault(name, []).append(value)
    try:
        exporter = get_runtime().exporter
        export = exporter.export(user, entity, args, file_format, lang=language(user),
                                 codes=codes, lines=with_lines)
        if output is None:
            for chunk in export.chunks:
                click.echo(chunk, nl=False)  # bytes go to the binary stream
            return
        _write(output, export.chunks)
        if with_lines and file_format == "csv":
            for table in get_runtime().model.entity(entity).table_fields:
                path = Path(output).with_suffix(f".{table.name}.csv")
                _write(str(path), exporter.export_lines(
                    user, entity, args, table.name, lang=language(user), codes=codes).chunks)
                click.echo(f"Lines of {table.name} written to {path}.", err=True)
    except ServiceError as error:
        raise click.ClickException(error.message.render(language(user))) from None
    click.echo(f"Records written to {output}.", err=True)


def _write(path: str, chunks) -> None:
    with open(path, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


def acting_user(name: str):
    with get_runtime().db.read() as conn:
        user = get_user_by_name(conn, name)
    if user is None or not user.active:
        raise click.ClickException(f"No active user named {name!r}.")
    return user


def language(user) -> str:
    """The user's own language, else FORMFLOW_LANGUAGE, else the default."""
    return negotiate(user.language or get_runtime().settings["LANGUAGE"])




@click.command("import-org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@with_appcontext
def import_org_command(file: str, dry_run: bool) -> None:
    """Import departments and users from a CSV or XLSX FILE (columns kind, code, name,
    parent, head, manager, department, roles, email, phone, active; see
    docs/migration.md).  Departments are matched by code and users by name: matches are
    updated, the rest created.  All or nothing; every problem is printed as
    `row N: column: message`, exit 1 then.  New users get no password."""
    from formflow.io.importing import ImportFailed, error_lines

    runtime = get_runtime()
    lang = negotiate(runtime.settings["LANGUAGE"])
    try:
        if os.path.getsize(file) > runtime.settings["IMPORT_MAX_BYTES"]:
            raise ServiceError(runtime.importer.too_large().message)
        result = runtime.org.import_file(CLI, Path(file).read_bytes(), dry_run=dry_run)
    except ImportFailed as failed:
        for line in error_lines(failed.errors, lang):
            click.echo(line)
        click.echo(failed.message.render(lang), err=True)
        sys.exit(1)
    except ServiceError as error:
        click.echo(error.message.render(lang), err=True)
        sys.exit(1)
    done = "would be" if dry_run else "were"
    click.echo(f"{result.rows} row(s) checked: {result.departments_created} department(s) "
               f"{done} created, {result.departments_updated} updated; "
               f"{result.users_created} user(s) {done} created, {result.users_updated} updated."
               + (" Dry run: nothing was written." if dry_run else ""))
    if result.without_password:
        click.echo(f"New users have no password and cannot sign in until one is set "
                   f"(admin pages, Users): {', '.join(result.without_password)}")


@click.command("export-org")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_org_command(file: str) -> None:
    """Write every department and user to FILE, CSV or XLSX by its extension, in the
    shape import-org reads."""
    file_format = Path(file).suffix.lower().lstrip(".")
    if file_format not in ("csv", "xlsx"):
        raise click.BadParameter("the file name ends in .csv or .xlsx", param_hint="FILE")
    export = get_runtime().org.export(CLI, file_format)
    with open(file, "wb") as handle:
        for chunk in export.chunks:
            handle.write(chunk)
    click.echo(f"Organisation written to {file}.", err=True)


@click.command("export-app")
@click.argument("app")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_app_command(app: str, file: str) -> None:
    """Write APP to one zip FILE: its metadata, every record with its line items, the
    files they hold and their process history (see docs/migration.md)."""
    try:
        summary = _archive().write(app, file)
    except ServiceError as error:
        raise click.ClickException(error.message.render("en")) from None
    _echo_summary(summary, "written to", file)


@click.command("import-app")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_app_command(file: str) -> None:
    """Load an archive written by export-app into this instance, whose app must have
    the same metadata and no records yet; users and departments are matched by name
    (import the organisation first).  All or nothing; every table is checked against
    the archive's checksums."""
    try:
        summary = _archive().load(Path(file).read_bytes())
    except ServiceError as error:
        raise click.ClickException(error.message.render("en")) from None
    _echo_summary(summary, "loaded from", file)
    click.echo("Checksums verified.")


def _archive():
    from formflow.io.app_archive import AppArchive

    runtime = get_runtime()
    return AppArchive(runtime.db, runtime.model, runtime.schema, runtime.field_types,
                      runtime.files.contents)


def _echo_summary(summary, done: str, file: str) -> None:
    for table, rows in summary.counts.items():
        click.echo(f"  {table}: {rows} row(s)")
    click.echo(f"App {summary.app} {done} {file} ({summary.files} file(s)).")


@click.command("show")
@click.argument("name")
@with_appcontext
def user_show_command(name: str) -> None:
    """Print user NAME: display name, department code, manager, roles, e-mail, status."""
    with get_runtime().db.read() as conn:
        user = get_user_by_name(conn, name)
        if user is None:
            raise click.ClickException(f"No user named {name!r}.")
        department = department_codes_by_id(conn, [user.department_id]).get(user.department_id)
        manager = usernames_by_id(conn, [user.manager_id]).get(user.manager_id)
    roles = ", ".join(sorted(user.roles - {"user"}))
    for label, value in (("User", user.username), ("Display name", user.display_name),
                         ("Department", department), ("Manager", manager), ("Roles", roles),
                         ("E-mail", user.email),
                         ("Active", "yes" if user.active else "no")):
        click.echo(f"{label + ':':<14}{value or '-'}")


@click.command("import-worker")
@click.option("--once", is_flag=True, help="Run the queued imports, then stop.")
@click.option("--interval", default=2.0, show_default=True, metavar="SECONDS",
              help="How long to wait between two looks for queued imports.")
@with_appcontext
def import_worker_command(once: bool, interval: float) -> None:
    """Run background imports (big files imported through the page or the API) as they
    are queued.  Several workers may run at once, on several machines."""
    while True:
        ran = get_runtime().import_worker.run_due()
        if ran:
            click.echo(f"Background imports run: {ran}")
        if once:
            return
        time.sleep(interval)


DATA_COMMANDS = (import_command, export_command, import_org_command, export_org_command,
                 export_app_command, import_app_command, import_worker_command)
