"""``formflow files``: moving the uploaded files of a deployment to its content store."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from formflow.runtime import get_runtime
from formflow.storage.contents import DiskContents, digest_of_bytes


@click.group("files")
def files_group() -> None:
    """Uploaded files: where they live (FORMFLOW_FILE_STORAGE)."""


@files_group.command("move-from-disk")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder to read (default: the instance folder's files).")
@with_appcontext
def move_from_disk_command(folder: Path | None) -> None:
    """Copy the files a disk-stored deployment kept into the configured store (the
    database or S3), checking each file's content against its name.  The folder is left
    as it is: delete it once the copy is verified.  Safe to run again."""
    runtime = get_runtime()
    source = DiskContents(folder or Path(runtime.settings["INSTANCE_PATH"]) / "files")
    if isinstance(runtime.files.contents, DiskContents) and (
        runtime.files.contents.root.resolve() == source.root.resolve()
    ):
        raise click.ClickException("FORMFLOW_FILE_STORAGE is disk: set it to database or s3 first")
    copied = present = damaged = 0
    for digest in source.digests():
        data = source.path(digest).read_bytes()
        if digest_of_bytes(data) != digest:
            click.echo(f"  {digest}: the content does not match its name; left out", err=True)
            damaged += 1
        elif runtime.files.contents.has(digest):
            present += 1
        else:
            runtime.files.contents.put(data)
            copied += 1
    click.echo(f"Files copied: {copied}; already there: {present}; damaged: {damaged}.")
    if damaged:
        raise SystemExit(1)
