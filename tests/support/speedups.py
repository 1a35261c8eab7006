"""Work the suite would otherwise repeat for every app it makes.

Most tests make an app of their own, and a Flask app compiles its templates and the URL
builders of its routes afresh: about half of a page test's time.  Within one test
process these results are the same for every app, so they are made once:

- templates go through one in-memory Jinja bytecode cache (keyed by template name and
  source checksum, so a changed template still compiles anew);
- a route's URL builder is compiled once per rule shape (werkzeug generates the same
  code for the same rule string, parts and defaults);
- the collector skips the objects alive at start-up (modules, metadata) and runs less
  often: the suite allocates many short-lived objects in bursts.
"""

from __future__ import annotations

import gc

from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.routing import Rule


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in this process for every app made in it."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def _share_url_builders() -> None:
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return  # another werkzeug, or already installed
    builders: dict[tuple, object] = {}

    def shared_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)  # a default filled into the URL
        key = (self.rule, tuple(self._trace), tuple(sorted(defaults)), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    shared_builder.shared = True
    Rule._compile_builder = shared_builder


def install() -> None:
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedBytecode()}
    _share_url_builders()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
