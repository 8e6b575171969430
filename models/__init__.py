"""Tortoise models (the `financebot` app) and the domain logic that reads them."""

from models.aws import (
    AwsAccount,
    AwsBillingMonth,
    AwsBillingRow,
    AwsMonthTotal,
    AwsProductCost,
)
from models.bookkeeping import AuditLog, Event, JobClaim, Notification, SyncLock, SyncRun
from models.flex.contracts import FlexCorrection, WorkContract
from models.flex.sums import FlexMonthSums
from models.hours import (
    HourDayChecksum,
    HourEntry,
    HourStatus,
    HourWindowChecksum,
    PublicHoliday,
)
from models.invoices.records import (
    Invoice,
    InvoiceCheck,
    InvoiceFixedRow,
    InvoiceState,
    ProjectFixedRow,
)
from models.people import Group, GroupMembership, Person, SlackChannel, SlackUser
from models.projects import Client, LeaveType, Phase, Project

__all__ = [
    "AuditLog",
    "AwsAccount",
    "AwsBillingMonth",
    "AwsBillingRow",
    "AwsMonthTotal",
    "AwsProductCost",
    "Client",
    "Event",
    "FlexCorrection",
    "FlexMonthSums",
    "Group",
    "GroupMembership",
    "HourDayChecksum",
    "HourEntry",
    "HourStatus",
    "HourWindowChecksum",
    "Invoice",
    "InvoiceCheck",
    "InvoiceFixedRow",
    "InvoiceState",
    "JobClaim",
    "LeaveType",
    "Notification",
    "Person",
    "Phase",
    "Project",
    "ProjectFixedRow",
    "PublicHoliday",
    "SlackChannel",
    "SlackUser",
    "SyncLock",
    "SyncRun",
    "WorkContract",
]
