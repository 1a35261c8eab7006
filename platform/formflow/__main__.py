"""``python -m formflow``: the ``formflow`` command."""

from formflow.cli import main

main()
