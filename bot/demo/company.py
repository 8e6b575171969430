"""The demo's sample company: who works there, on what, under which contracts.

Plain data and pure functions. The 10000ft side is built with the 10000ft emulator's
builders (``bot/emulators/tenkfeet_data.py``); the hours themselves come from
:mod:`bot.demo.hours`. Every date is derived from ``started``, the
company's first day in the demo, which a data directory keeps from its first run: contracts and
corrections then stay the same on every run and re-import unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.emulators.tenkfeet_data import holiday, leave_type, phase, project, user
from models.permissions import ADMIN_GROUP, FINANCE_GROUP, HR_GROUP

HISTORY_DAYS = 3 * 365
"""How far back the sample hours reach on a data directory's first run."""

# 10000ft ids of the projects and phases (assignables) people log hours on.
INTERNAL, WEB_SHOP, MOBILE_APP, DATA_PLATFORM, OLD_INTRANET = 1000, 1001, 1002, 1003, 1004
CUSTOMER_PORTAL, VOLUNTEER_APP, BI_DASHBOARDS = 1005, 1006, 1007
ADMINISTRATION, TRAINING, SALES = 2000, 2001, 2002
WEB_DEVELOPMENT, WEB_DESIGN, WEB_OVERTIME, WEB_MEETINGS = 2010, 2011, 2012, 2013
MOBILE_DEVELOPMENT, MOBILE_MAINTENANCE, MOBILE_OVERTIME = 2020, 2021, 2022
DATA_DEVELOPMENT, DATA_SUPPORT = 2030, 2031
INTRANET_MAINTENANCE = 2040
PORTAL_DEVELOPMENT, PORTAL_DESIGN, PORTAL_OVERTIME, PORTAL_MEETINGS = 2050, 2051, 2052, 2053
BI_REPORTS, BI_MODELLING = 2070, 2071

VACATION, SICK_LEAVE, FLEX_LEAVE, UNPAID_LEAVE, PARENTAL_LEAVE, CHILD_SICK = range(50, 56)
LEAVE_TYPES = {
    VACATION: "Vacation",
    SICK_LEAVE: "Sick leave",
    FLEX_LEAVE: "Flex time Leave",
    UNPAID_LEAVE: "Unpaid leave",
    PARENTAL_LEAVE: "Parental leave",
    CHILD_SICK: "Child's sickness",
}


@dataclass(frozen=True)
class DemoProject:
    tenkfeet_id: int
    name: str
    client: str | None
    rate: int  # euros per hour on billable phases; overtime pays 1.5 times it
    admins: tuple[str, ...]  # tags: people's "First Last", in any case
    phases: tuple[tuple[int, str], ...]  # none: hours go on the project itself
    internal: bool = False
    archived: bool = False
    tags: tuple[str, ...] = ()
    approval_days: int = 30  # how long its newest hours may still wait for approval


PROJECTS = (
    DemoProject(
        INTERNAL,
        "Internal work",
        None,
        0,
        ("Aino Korhonen",),
        ((ADMINISTRATION, "Administration"), (TRAINING, "Training"), (SALES, "Sales")),
        internal=True,
    ),
    DemoProject(
        WEB_SHOP,
        "Web shop renewal",
        "Acme Oy",
        120,  # its overtime, 180 €/h, is flagged as an odd rate
        ("Lilja Mäkelä",),
        (
            (WEB_DEVELOPMENT, "Development"),
            (WEB_DESIGN, "Design"),
            (WEB_OVERTIME, "Overtime"),
            (WEB_MEETINGS, "Non-billable meetings"),
        ),
        tags=("agile",),
    ),
    DemoProject(
        MOBILE_APP,
        "Mobile app",
        "Globex Ab",
        105,
        ("eino virtanen", "Onni Nieminen"),  # tags match names case-insensitively
        (
            (MOBILE_DEVELOPMENT, "Development"),
            (MOBILE_MAINTENANCE, "Maintenance"),
            (MOBILE_OVERTIME, "Overtime"),
        ),
    ),
    DemoProject(
        DATA_PLATFORM,
        "Data platform",
        "Initech Oyj",
        135,
        ("Olivia Lehtonen",),
        ((DATA_DEVELOPMENT, "Development"), (DATA_SUPPORT, "Non-billable support")),
        tags=("fixed-price",),
        approval_days=75,  # its admin approves late: last month's hours still wait
    ),
    DemoProject(
        OLD_INTRANET,
        "Old intranet",
        "Soylent Oy",
        95,
        ("Oliver Saarinen", "Olivia Lehtonen"),  # Olivia took it over when Oliver left
        ((INTRANET_MAINTENANCE, "Maintenance"),),
        archived=True,
    ),
    DemoProject(
        CUSTOMER_PORTAL,
        "Customer portal",
        "Umbrella Finland",
        110,
        ("Venla Heinonen", "Lauri Turunen", "Kerttu Salonen"),
        (
            (PORTAL_DEVELOPMENT, "Development"),
            (PORTAL_DESIGN, "Design"),
            (PORTAL_OVERTIME, "Overtime"),
            (PORTAL_MEETINGS, "Non-billable meetings"),
        ),
        tags=("agile",),
    ),
    DemoProject(
        VOLUNTEER_APP,
        "Volunteer app",
        "Kotikulma ry",
        45,  # a non-profit's discount: every hour is flagged as an odd rate
        ("Aada Lehtinen",),
        (),  # no phases: every entry is non-phase-specific
    ),
    DemoProject(
        BI_DASHBOARDS,
        "BI dashboards",
        "Hooli Nordic",
        125,  # sprints in odd months: every month is a remarkable change from the last
        ("Niilo Kinnunen",),
        ((BI_REPORTS, "Reports"), (BI_MODELLING, "Data modelling")),
    ),
)


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included; ``end`` None: open-ended."""

    start: dt.date
    end: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Contract(Period):
    percent: int = 100
    flex: bool = True


@dataclass(frozen=True)
class Correction:
    day: dt.date
    adjust_by: str = ""
    set_to: str = ""
    note: str = ""


@dataclass(frozen=True)
class DemoPerson:
    """One employee, in 10000ft and (when ``slack_id``) in the Slack workspace."""

    tenkfeet_id: int
    first_name: str
    last_name: str
    email: str  # as 10000ft has it
    handle: str  # Slack's name; `/flex-hours @handle` finds them
    slack_id: str | None
    slack_email: str | None  # as Slack has it: matched case-insensitively
    role: str
    work: tuple[int, ...]  # assignables, the main one first
    employed: Contract  # when they log hours, at what percent of a workday
    contracts: tuple[Contract, ...] = ()  # what HR imported; empty: flex not active
    corrections: tuple[Correction, ...] = ()
    overtime: int | None = None  # the overtime phase they sometimes log extra hours on
    daily_bias: float = 0.08  # hours a day above (or below) their workday, on average
    unsubmitted_days: int = 7  # recent days whose entries may still be unsubmitted
    unsubmitted_share: float = 0.4  # how many of those days are
    archived: bool = False
    groups: tuple[str, ...] = ()  # the permission groups they are in (hr, finance, admin)
    moves: tuple[tuple[dt.date, tuple[int, ...]], ...] = ()  # from that day on, this work
    odd_months: tuple[int, ...] = ()  # the work of odd months (sprints), if any
    breaks: tuple[Period, ...] = ()  # employed but away (studies): no hours at all
    long_leaves: tuple[tuple[Period, int], ...] = ()  # every workday on this leave type
    often_sick: bool = False  # off sick every third Monday (the early-care report lists them)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def percent_on(self, day: dt.date) -> int:
        """How much of a full workday they log on ``day`` (0 before they join or after)."""
        if not self.employed.holds(day) or any(b.holds(day) for b in self.breaks):
            return 0
        for contract in self.contracts:
            if contract.holds(day):
                return contract.percent
        return self.employed.percent

    def work_on(self, day: dt.date) -> tuple[int, ...]:
        """Where they log their hours on ``day``, the main assignable first."""
        if self.odd_months and day.month % 2 == 1:
            return self.odd_months
        work = self.work
        for since, moved in self.moves:
            if since <= day:
                work = moved
        return work

    def leave_on(self, day: dt.date) -> int | None:
        """The leave type of a long leave (or a recurring sick day) holding ``day``."""
        if self.often_sick and day.weekday() == 0 and day.toordinal() // 7 % 3 == 0:
            return SICK_LEAVE
        return next((leave for period, leave in self.long_leaves if period.holds(day)), None)


def month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def first_day(today: dt.date) -> dt.date:
    """Where a new demo's history starts: the Monday on or before HISTORY_DAYS ago."""
    start = today - dt.timedelta(days=HISTORY_DAYS)
    return start - dt.timedelta(days=start.weekday())


def demo_people(started: dt.date) -> list[DemoPerson]:
    """The staff, their contracts and corrections; all dates follow from ``started``.

    ``later(n)`` is the first day of the n-th month after ``started``'s (month 36 is about
    today on a data directory's first run); ``until(n)`` is the day before it.
    """
    whole = Contract(started, None)
    day = dt.timedelta(days=1)

    def later(months: int) -> dt.date:
        return month_start(started, months)

    def until(months: int) -> dt.date:
        return later(months) - day

    def slack(n: int) -> str:
        return f"U0DEMO{n:02d}"

    return [
        DemoPerson(
            1,
            "Aino",
            "Korhonen",
            "aino.korhonen@example.com",
            "aino.korhonen",
            slack(1),
            "Aino.Korhonen@Example.com",
            "HR and office manager",
            (ADMINISTRATION, SALES, TRAINING),
            whole,
            (whole,),
            groups=(HR_GROUP,),
        ),
        DemoPerson(
            2,
            "Eino",
            "Virtanen",
            "eino.virtanen@example.com",
            "eino.virtanen",
            slack(2),
            "eino.virtanen@example.com",
            "Lead developer",
            (MOBILE_DEVELOPMENT, MOBILE_MAINTENANCE, WEB_DEVELOPMENT),
            whole,
            (whole,),
            overtime=MOBILE_OVERTIME,
            daily_bias=0.4,
        ),
        DemoPerson(
            3,
            "Helmi",
            "Mäkinen",
            "helmi.makinen@example.com",
            "helmi.makinen",
            slack(3),
            "helmi.makinen@example.com",
            "Designer (part-time since a year)",
            (WEB_DESIGN, WEB_MEETINGS),
            whole,
            (Contract(started, until(24)), Contract(later(24), None, percent=60)),
            daily_bias=0.1,
        ),
        DemoPerson(
            4,
            "Onni",
            "Nieminen",
            "onni.nieminen@example.com",
            "onni.nieminen",
            slack(4),
            "onni.nieminen@example.com",
            "Developer",
            (MOBILE_DEVELOPMENT, WEB_DEVELOPMENT),
            whole,
            (
                Contract(started, until(20)),
                Contract(later(20), until(23), flex=False),
                Contract(later(23), None),
            ),
            daily_bias=0.12,
        ),
        DemoPerson(
            5,
            "Lilja",
            "Mäkelä",
            "lilja.makela@example.com",
            "lilja.makela",
            slack(5),
            "lilja.makela@example.com",
            "Project lead",
            (WEB_DEVELOPMENT, WEB_MEETINGS, SALES),
            whole,
            (whole,),
            overtime=WEB_OVERTIME,
            daily_bias=0.15,
            groups=(FINANCE_GROUP,),
        ),
        DemoPerson(
            6,
            "Väinö",
            "Hämäläinen",
            "vaino.hamalainen@example.com",
            "vaino.hamalainen",
            slack(6),
            "vaino.hamalainen@example.com",
            "Subcontractor (no work contract: flex not active)",
            (DATA_DEVELOPMENT,),
            whole,
        ),
        DemoPerson(
            7,
            "Ella",
            "Laine",
            "ella.laine@example.com",
            "ella.laine",
            slack(7),
            "ella.laine@example.com",
            "Developer",
            (DATA_DEVELOPMENT, DATA_SUPPORT),
            whole,
            (whole,),
            (Correction(started, set_to="12.5", note="Saldo carried over from the old system"),),
        ),
        DemoPerson(
            8,
            "Leo",
            "Heikkinen",
            "leo.heikkinen@example.com",
            "leo.heikkinen",
            slack(8),
            "leo.heikkinen@example.com",
            "Developer",
            (WEB_DEVELOPMENT, MOBILE_MAINTENANCE),
            whole,
            (whole,),
            (Correction(later(26), adjust_by="-20", note="20 h converted to salary"),),
            overtime=WEB_OVERTIME,
            daily_bias=0.2,
        ),
        DemoPerson(
            9,
            "Sofia",
            "Koskinen",
            "sofia.koskinen@example.com",
            "sofia.koskinen",
            slack(9),
            "sofia.koskinen@example.com",
            "Data engineer (joined later)",
            (DATA_DEVELOPMENT, TRAINING),
            Contract(later(22), None),
            (Contract(later(22), None),),
            daily_bias=0.06,
        ),
        DemoPerson(
            10,
            "Elias",
            "Järvinen",
            "elias.jarvinen@example.com",
            "elias.jarvinen",
            slack(10),
            "elias.jarvinen@example.com",
            "Developer (forgets to submit hours)",
            (MOBILE_MAINTENANCE, MOBILE_DEVELOPMENT),
            whole,
            (whole,),
            daily_bias=-0.05,
            unsubmitted_days=21,
            unsubmitted_share=1.0,
        ),
        DemoPerson(
            11,
            "Olivia",
            "Lehtonen",
            "olivia.lehtonen@example.com",
            "olivia.lehtonen",
            slack(11),
            "olivia.lehtonen@example.com",
            "Data architect",
            (DATA_DEVELOPMENT, DATA_SUPPORT, SALES),
            whole,
            (whole,),
            groups=(ADMIN_GROUP,),
        ),
        DemoPerson(
            12,
            "Iida",
            "Salminen",
            "Iida.Salminen@Example.COM",
            "iida.salminen",
            slack(12),
            "iida.salminen@example.com",
            "Tester",
            (WEB_DEVELOPMENT, MOBILE_MAINTENANCE),
            whole,
            (whole,),
            (Correction(later(32), adjust_by="3.75", note="Training day not logged"),),
            daily_bias=0.03,
        ),
        DemoPerson(
            13,
            "Oliver",
            "Saarinen",
            "oliver.saarinen@example.com",
            "oliver.saarinen",
            None,
            None,
            "Developer (left the company)",
            (INTRANET_MAINTENANCE, WEB_DEVELOPMENT),
            Contract(started, until(31)),
            (Contract(started, until(31)),),
            archived=True,
        ),
        DemoPerson(
            14,
            "Lauri",
            "Turunen",
            "lauri.turunen@example.com",
            "lauri.turunen",
            slack(14),
            "lauri.turunen@example.com",
            "Tech lead (hired for the customer portal)",
            (PORTAL_DEVELOPMENT, PORTAL_MEETINGS, MOBILE_DEVELOPMENT),
            Contract(later(12), None),
            (Contract(later(12), None),),
            overtime=PORTAL_OVERTIME,
            daily_bias=0.25,
        ),
        DemoPerson(
            15,
            "Venla",
            "Heinonen",
            "venla.heinonen@example.com",
            "venla.heinonen",
            slack(15),
            "venla.heinonen@example.com",
            "Project manager",
            (WEB_MEETINGS, SALES, ADMINISTRATION),
            whole,
            (whole,),
            daily_bias=0.05,
            moves=((later(12), (PORTAL_MEETINGS, PORTAL_DEVELOPMENT, SALES)),),
        ),
        DemoPerson(
            16,
            "Kerttu",
            "Salonen",
            "kerttu.salonen@example.com",
            "kerttu.salonen",
            slack(16),
            "kerttu.salonen@example.com",
            "UX designer (80 %, took unpaid leave)",
            (WEB_DESIGN, WEB_MEETINGS),
            Contract(started, None, percent=80),
            (Contract(started, None, percent=80),),
            daily_bias=0.02,
            moves=((later(12), (PORTAL_DESIGN, PORTAL_MEETINGS, WEB_DESIGN)),),
            long_leaves=((Period(later(18), later(18) + dt.timedelta(days=13)), UNPAID_LEAVE),),
        ),
        DemoPerson(
            17,
            "Niilo",
            "Kinnunen",
            "niilo.kinnunen@example.com",
            "niilo.kinnunen",
            slack(17),
            "niilo.kinnunen@example.com",
            "BI consultant",
            (BI_REPORTS, BI_MODELLING),
            whole,
            (whole,),
            daily_bias=0.1,
        ),
        DemoPerson(
            18,
            "Siiri",
            "Heikkilä",
            "siiri.heikkila@example.com",
            "siiri.heikkila",
            slack(18),
            "siiri.heikkila@example.com",
            "Data analyst (BI sprints in odd months)",
            (DATA_DEVELOPMENT, DATA_SUPPORT),
            whole,
            (whole,),
            odd_months=(BI_MODELLING, BI_REPORTS),
        ),
        DemoPerson(
            19,
            "Matias",
            "Niemi",
            "matias.niemi@example.com",
            "matias.niemi",
            slack(19),
            "matias.niemi@example.com",
            "Developer (BI sprints in odd months; behind on hours)",
            (MOBILE_MAINTENANCE, WEB_DEVELOPMENT),
            whole,
            (whole,),
            daily_bias=-0.12,
            moves=((later(12), (PORTAL_DEVELOPMENT, MOBILE_MAINTENANCE)),),
            odd_months=(BI_REPORTS, BI_MODELLING),
        ),
        DemoPerson(
            20,
            "Aada",
            "Lehtinen",
            "aada.lehtinen@example.com",
            "aada.lehtinen",
            slack(20),
            "aada.lehtinen@example.com",
            "Developer (leads the volunteer app)",
            (VOLUNTEER_APP, WEB_DEVELOPMENT),
            whole,
            (whole,),
            daily_bias=0.15,
        ),
        DemoPerson(
            21,
            "Toivo",
            "Tuominen",
            "toivo.tuominen@example.com",
            "toivo.tuominen",
            slack(21),
            "toivo.tuominen@example.com",
            "Developer (back from studies: a gap between contracts)",
            (WEB_DEVELOPMENT, MOBILE_MAINTENANCE),
            whole,
            (Contract(started, until(14)), Contract(later(20), None)),
            # HR bridged the gap: the saldo starts afresh on the new contract's first day.
            (Correction(later(20), set_to="0", note="Back from study leave: saldo starts afresh"),),
            moves=((later(20), (PORTAL_DEVELOPMENT, DATA_DEVELOPMENT)),),
            breaks=(Period(later(14), until(20)),),
        ),
        DemoPerson(
            22,
            "Minea",
            "Rantanen",
            "minea.rantanen@example.com",
            "minea.rantanen",
            slack(22),
            "minea.rantanen@example.com",
            "Developer (a gap between contracts HR has not fixed yet)",
            (DATA_DEVELOPMENT, WEB_DEVELOPMENT),
            whole,
            (Contract(started, until(32)), Contract(later(34), None)),
            # Dated a day early, in the gap: the saldo stays "no contract" until HR fixes it.
            (Correction(until(34), set_to="5", note="Saldo after the break"),),
            breaks=(Period(later(32), until(34)),),
            daily_bias=0.05,
        ),
        DemoPerson(
            23,
            "Juho",
            "Karjalainen",
            "juho.karjalainen@example.com",
            "juho.karjalainen",
            slack(23),
            "juho.karjalainen@example.com",
            "Developer (was on parental leave)",
            (MOBILE_DEVELOPMENT, DATA_DEVELOPMENT),
            whole,
            (whole,),
            daily_bias=0.07,
            long_leaves=((Period(later(24), until(28)), PARENTAL_LEAVE),),
        ),
        DemoPerson(
            24,
            "Nelli",
            "Jokinen",
            "nelli.jokinen@example.com",
            "nelli.jokinen",
            slack(24),
            "nelli.jokinen@example.com",
            "Tester (often off sick: the early-care report lists her)",
            (WEB_DEVELOPMENT, MOBILE_MAINTENANCE),
            whole,
            (whole,),
            daily_bias=0.04,
            moves=((later(12), (PORTAL_DEVELOPMENT, WEB_DEVELOPMENT)),),
            often_sick=True,
        ),
        DemoPerson(
            25,
            "Arttu",
            "Mattila",
            "arttu.mattila@example.com",
            "arttu.mattila",
            None,
            None,
            "Sales (no Slack account; hours often unsubmitted)",
            (SALES, VOLUNTEER_APP, ADMINISTRATION),
            whole,
            (whole,),
            unsubmitted_days=14,
            unsubmitted_share=1.0,
        ),
    ]


@dataclass(frozen=True)
class SlackMember:
    slack_id: str
    email: str | None
    real_name: str
    handle: str
    deleted: bool = False


GUEST = SlackMember("U0DEMOGUEST", "guest@partner.example", "Gus Guest", "gus.guest")
"""A Slack member who is nobody in 10000ft: the bot tells them it does not know them."""

CHANNELS = (
    ("C0DEMOGENERAL", "general", False),
    ("C0DEMOPROJECTS", "projects", False),
    ("C0DEMOWEBSHOP", "web-shop", False),
    ("C0DEMOPORTAL", "customer-portal", False),
    ("C0DEMOOLD", "old-intranet", True),
)


def slack_members(people: list[DemoPerson]) -> list[SlackMember]:
    """The workspace: everyone with a Slack account, plus a guest with no 10000ft person."""
    members = [
        SlackMember(p.slack_id, p.slack_email, p.full_name, p.handle)
        for p in people
        if p.slack_id is not None
    ]
    return [*members, GUEST]


# CSV files HR would import --------------------------------------------------------------------


def contracts_csv(people: list[DemoPerson]) -> bytes:
    lines = ["email,start_date,end_date,worktime_percent,flex_enabled"]
    for person in people:
        for c in person.contracts:
            end = c.end.isoformat() if c.end else ""
            flex = "true" if c.flex else "false"
            lines.append(f"{person.email.lower()},{c.start},{end},{c.percent},{flex}")
    return ("\n".join(lines) + "\n").encode()


def corrections_csv(people: list[DemoPerson]) -> bytes:
    lines = ["email,date,adjust_by,set_to,note"]
    for person in people:
        for c in person.corrections:
            lines.append(f"{person.email.lower()},{c.day},{c.adjust_by},{c.set_to},{c.note}")
    return ("\n".join(lines) + "\n").encode()


# 10000ft reference data ---------------------------------------------------------------------


def tenkfeet_users(people: list[DemoPerson]) -> list[dict[str, Any]]:
    users = []
    for person in people:
        extra: dict[str, Any] = {
            "role": person.role,
            "hire_date": person.employed.start.isoformat(),
        }
        if person.employed.end is not None:
            extra["termination_date"] = person.employed.end.isoformat()
        users.append(
            user(
                person.tenkfeet_id,
                person.first_name,
                person.last_name,
                person.email,
                archived=person.archived,
                **extra,
            )
        )
    return users


def tenkfeet_projects() -> list[dict[str, Any]]:
    """Projects and their phases, as 10000ft lists them with ``with_phases``."""
    items: list[dict[str, Any]] = []
    for demo in PROJECTS:
        body = project(
            demo.tenkfeet_id,
            demo.name,
            demo.client,
            tags=[*demo.admins, *demo.tags],
            project_state="Internal" if demo.internal else "Confirmed",
            archived=demo.archived,
        )
        items.append(body)
        items.extend(phase(phase_id, body, name) for phase_id, name in demo.phases)
    return items


def tenkfeet_leave_types() -> list[dict[str, Any]]:
    return [leave_type(type_id, name) for type_id, name in LEAVE_TYPES.items()]


def easter_sunday(year: int) -> dt.date:
    """The Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def finnish_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The public holidays that fall on weekdays often enough to matter, in date order."""
    easter = easter_sunday(year)
    midsummer_eve = next(
        dt.date(year, 6, d) for d in range(19, 26) if dt.date(year, 6, d).weekday() == 4
    )
    days = [
        (dt.date(year, 1, 1), "New Year's Day"),
        (dt.date(year, 1, 6), "Epiphany"),
        (easter - dt.timedelta(days=2), "Good Friday"),
        (easter + dt.timedelta(days=1), "Easter Monday"),
        (dt.date(year, 5, 1), "May Day"),
        (easter + dt.timedelta(days=39), "Ascension Day"),
        (midsummer_eve, "Midsummer Eve"),
        (dt.date(year, 12, 6), "Independence Day"),
        (dt.date(year, 12, 24), "Christmas Eve"),
        (dt.date(year, 12, 25), "Christmas Day"),
        (dt.date(year, 12, 26), "St. Stephen's Day"),
    ]
    return sorted(days)


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays from ``started``'s year to the year after ``today``'s; ids stay stable."""

    days: dict[dt.date, str] = field(default_factory=dict)

    @classmethod
    def covering(cls, started: dt.date, today: dt.date) -> HolidayCalendar:
        days: dict[dt.date, str] = {}
        for year in range(started.year, today.year + 2):
            days.update(finnish_holidays(year))
        return cls(days)

    def tenkfeet(self) -> list[dict[str, Any]]:
        return [holiday(n, name, day) for n, (day, name) in enumerate(sorted(self.days.items()), 1)]
