"""Which metadata documents passed schema validation before, remembered in a file.

Validating the documents against the JSON Schemas is most of the time it takes to load
an app's metadata, and every start of a command or a worker validates the same shipped
files again.  :class:`ValidDocuments` remembers the digest of each document (its
kind and canonical JSON text) that had no schema problem, in a file of the instance
folder stamped with the digest of the schema files: a document found there is valid
without being validated again, any other one (changed, new, or checked against changed
schemas) is validated as before.  Only the schema check is skipped: the semantic checks
of :mod:`formflow.metadata.checker` run on every load.  A file that cannot be read or
written only means validating again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from formflow.metadata.problems import Problem
from formflow.metadata.schema import SCHEMA_DIR, canonical_text, validate_text

log = logging.getLogger(__name__)


def schemas_digest() -> str:
    """The digest of every schema file's bytes."""
    digest = hashlib.sha256()
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class ValidDocuments:
    """The digests of documents known to be valid, read from and saved to ``path``."""

    def __init__(self, path: Path):
        self.path = path
        self.stamp = schemas_digest()
        self.known: set[str] = set()
        #: The digests of the documents of this load, valid ones: what :meth:`save` keeps.
        self.seen: set[str] = set()
        self.added = False
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(saved, dict) and saved.get("schemas") == self.stamp:
            self.known = {d for d in saved.get("documents", ()) if isinstance(d, str)}

    def validate(self, kind: str, document: Any, file: str) -> list[Problem]:
        """:func:`formflow.metadata.schema.validate_document`, skipped for a document
        known to be valid."""
        text = canonical_text(document)
        digest = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()
        if digest in self.known:
            self.seen.add(digest)
            return []
        problems = validate_text(kind, text, file)
        if not problems:
            self.known.add(digest)
            self.seen.add(digest)
            self.added = True
        return problems

    def save(self) -> None:
        """Write the digests of this load's valid documents when some were new
        (atomically, by a rename); those of documents no longer loaded are dropped."""
        if not self.added:
            return
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"schemas": self.stamp,
                                             "documents": sorted(self.seen)}), "utf-8")
            temporary.replace(self.path)
        except OSError as error:
            log.info("cannot remember the valid metadata documents in %s: %s",
                     self.path, error)
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            return
        self.added = False
