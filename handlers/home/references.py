"""The reference the App Home's "Submit to 10000ft" button carries.

It names the person whose page it was and the day the page was computed. The listener refuses
a click by anyone else (a Slack account relinked to another person since the page was
published) and does not submit from a page of an earlier day, whose list may differ from
today's: it shows today's page instead.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from handlers.flow_reference import FlowReference


class HoursSubmission(FlowReference):
    kind: ClassVar[str] = "submit-hours"

    person: str = Field(min_length=1, max_length=64)  # Person.guid
    shown_on: date


class ReminderSubmission(FlowReference):
    """The "Submit to 10000ft" button of the weekly unsubmitted-hours reminder: whose
    reminder it is and the day it was made. It submits what is submittable on the day of the
    click (the App Home's rule), so an older reminder's button still works."""

    kind: ClassVar[str] = "submit-reminded-hours"

    person: str = Field(min_length=1, max_length=64)  # Person.guid
    sent_on: date
