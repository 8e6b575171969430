"""The reference the App Home's "Submit to 10000ft" button carries.

It names the person whose page it was and the day the page was computed. The listener refuses
a click by anyone else (a Slack account relinked to another person since the page was
published) and does not submit from a page of an earlier day, whose list may differ from
today's: it shows today's page instead.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self

from pydantic import Field, model_validator

from handlers.flow_reference import FlowReference


class HoursSubmission(FlowReference):
    kind: ClassVar[str] = "submit-hours"

    person: str = Field(min_length=1, max_length=64)  # Person.guid
    shown_on: date


class ReminderSubmission(FlowReference):
    """The "Submit to 10000ft" button of the weekly unsubmitted-hours reminder: whose
    reminder it is, the day it was made and the days its DM listed (``first`` … ``last``).
    A click submits the entries of those days that are still Unsubmitted and complete at the
    click, so an older reminder's button submits what that reminder listed, as it stands."""

    kind: ClassVar[str] = "submit-reminded-hours"

    person: str = Field(min_length=1, max_length=64)  # Person.guid
    sent_on: date
    first: date
    last: date

    @model_validator(mode="after")
    def _days_in_order(self) -> Self:
        if self.first > self.last:
            raise ValueError("first is after last")
        return self
