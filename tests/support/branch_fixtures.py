"""Fixtures of the parallel branch tests (``test_process_branches*.py`` import them by
name): the ``fork`` scenario app (``tests/metadata/branches``) installed, on PostgreSQL
once per module with each test working on a copy, and its staff.

``fork.deal``: draft → review, a parallel state with a legal branch (legal_review →
legal_sign, which may send the branch back to legal_review), a finance branch only above
1000 (a one-hour SLA that approves on breach, a send-back to draft) and an operations
branch; all must finish, a rejection ends the whole; then a director signs.
``fork.pick``: three branches, the first two done join, a rejection ends only its branch.
``fork.memo``: one branch, only for urgent memos; the join files the memo.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import pytest

from support import TEST_APPS
from support.process_helpers import Flow, database_copy, installed_template

BRANCH_APPS = TEST_APPS / "branches"
DEAL = "fork.deal"
PICK = "fork.pick"
MEMO = "fork.memo"


@pytest.fixture
def metadata_path():
    return [BRANCH_APPS]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    yield from installed_template(tmp_path_factory.mktemp("template"), BRANCH_APPS)


@pytest.fixture
def database_url(template, tmp_path):
    yield from database_copy(template, tmp_path)


@pytest.fixture
def flow(runtime):
    return Flow(runtime)


@pytest.fixture
def staff(make_user):
    """ann asks; lena and leo are legal, fay and fred finance, otto operations, dora
    director; pat has nothing to do with it.  Only ann has a password (to sign in)."""
    signing_in = make_user
    make_user = functools.partial(make_user, password=None)
    return SimpleNamespace(
        ann=signing_in("ann"),
        lena=make_user("lena", roles=["legal"]),
        leo=make_user("leo", roles=["legal"]),
        fay=make_user("fay", roles=["finance"]),
        fred=make_user("fred", roles=["finance"]),
        otto=make_user("otto", roles=["ops"]),
        dora=make_user("dora", roles=["director"]),
        pat=make_user("pat"),
    )


def submitted(flow, staff, amount="5000"):
    deal = flow.create(staff.ann, DEAL, subject="Supply", amount=amount)
    flow.act(staff.ann, DEAL, deal["id"], "submit")
    return deal["id"]
