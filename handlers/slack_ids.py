"""Every ``action_id``, ``block_id`` and ``callback_id`` the bot puts into Block Kit, once.

Builders put these into blocks, listeners register on them and tests click them, so a renamed
id cannot leave a button without a listener. The values are what Slack sends back and what
messages already posted carry: never change a value, add a new member instead.
"""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """Buttons: each has a listener (URL buttons share one, see :data:`LINK_BUTTONS`)."""

    FLEX_OPEN_DETAILS = "flex_open_details"
    FLEX_OPEN_TENKFEET = "flex_open_tenkfeet"
    HOME_SUBMIT_HOURS = "home_submit_hours"
    HOME_OPEN_INVOICE = "home_open_invoice"
    INVOICE_REVIEW = "invoice_review"
    INVOICE_OPEN = "invoice_open"
    REMINDER_SUBMIT_HOURS = "reminder_submit_hours"
    REMINDER_OPEN_TENKFEET = "reminder_open_tenkfeet"
    REMINDER_OPEN_SITE = "reminder_open_site"
    UNAPPROVED_OPEN_PROJECT = "unapproved_open_project"
    UNAPPROVED_OPEN_TENKFEET = "unapproved_open_tenkfeet"
    NEW_PROJECT_OPEN = "new_project_open"
    NEW_PROJECT_OPEN_TENKFEET = "new_project_open_tenkfeet"
    DIGEST_OPEN_TENKFEET = "digest_open_tenkfeet"
    DIGEST_OPEN_PROJECT = "digest_open_project"
    CONTRACT_REPORT_OPEN = "contract_report_open"


class InputId(StrEnum):
    """The ``action_id`` of input elements in modals: Slack sends their values with the
    submission, not as actions, so they have no listener of their own."""

    REVIEW_CHECKLIST = "review_checklist"
    REVIEW_DECISION = "review_decision"
    REVIEW_COMMENT = "review_comment"
    REVIEW_NUMBER = "review_number"
    REVIEW_SENT = "review_sent"


class BlockId(StrEnum):
    FLEX_LINKS = "flex_links"
    REVIEW_CHECKLIST = "invoice_checklist"
    REVIEW_DECISION = "invoice_decision"
    REVIEW_COMMENT = "invoice_comment"
    REVIEW_NUMBER = "invoice_number"
    REVIEW_SENT = "invoice_sent"


class CallbackId(StrEnum):
    HOME = "financebot_home"
    INVOICE_REVIEW = "invoice_review"


#: Buttons that open a URL. Slack still sends their click, which only needs an ack (one
#: shared listener does that, see :mod:`handlers.link_buttons`).
LINK_BUTTONS: tuple[ActionId, ...] = (
    ActionId.FLEX_OPEN_DETAILS,
    ActionId.FLEX_OPEN_TENKFEET,
    ActionId.HOME_OPEN_INVOICE,
    ActionId.INVOICE_OPEN,
    ActionId.REMINDER_OPEN_TENKFEET,
    ActionId.REMINDER_OPEN_SITE,
    ActionId.UNAPPROVED_OPEN_PROJECT,
    ActionId.UNAPPROVED_OPEN_TENKFEET,
    ActionId.NEW_PROJECT_OPEN,
    ActionId.NEW_PROJECT_OPEN_TENKFEET,
    ActionId.DIGEST_OPEN_TENKFEET,
    ActionId.DIGEST_OPEN_PROJECT,
    ActionId.CONTRACT_REPORT_OPEN,
)
