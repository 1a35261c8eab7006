"""The names of the load test's steps: the journeys (``load_journeys.py``) name their
requests with them, and the report (``load.py``) checks that each one ran."""

INBOX = "open the to-do list"
LIST = "list customers (filtered, sorted)"
OPEN_CUSTOMER = "open a customer"
CREATE = "create a quotation with 3 lines"
SUBMIT = "submit the quotation"
OPEN_QUOTATION = "open a quotation"
APPROVE = "approve"

ALL = (INBOX, LIST, OPEN_CUSTOMER, CREATE, SUBMIT, OPEN_QUOTATION, APPROVE)
