"""The forms that add, edit and delete one person's work contracts and flex corrections.

``/contracts/<guid>/contracts/new`` and ``.../<id>`` (and the same under ``corrections``)
show a form; posting it saves through :mod:`models.flex.contract_edits` or
:mod:`models.flex.correction_edits`, which check it exactly as the CSV imports check a row.
A refused form comes back (400) with the typed values and each problem beside its field;
a saved one redirects (303) to the person's page with a one-time notice. ``.../<id>/delete``
asks first, then deletes on POST.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from models.flex.contract_edits import CONTRACT_EDITS, contract_values
from models.flex.contract_overview import period
from models.flex.contracts import FlexCorrection, WorkContract
from models.flex.correction_edits import CORRECTION_EDITS, correction_values
from models.flex.csv_import import Problem
from models.flex.keyed_import import EditRejected
from models.flex.person_edits import PersonEdits
from models.people import Person
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import View, audit_actor, requires
from web.edit_forms import FormViews, posted_values, render_form
from web.notices import leave_notice
from web.rendering import render, site_root
from web.site_errors import NotFound

Stored = WorkContract | FlexCorrection


@dataclass(frozen=True)
class Editable:
    """What differs between the contract forms and the correction forms."""

    noun: str
    segment: str
    """The path segment under /contracts/<guid>."""
    template: str
    blank: Mapping[str, str]
    """A new one's fields."""
    edits: PersonEdits[Any, Any]
    """The form's fields, and how a save or a delete is checked and stored."""
    values_of: Callable[[Any], dict[str, str]]
    name_of: Callable[[Any], str]
    """How a notice names a stored one: "contract 2025-01-01..open-ended"."""


CONTRACTS = Editable(
    noun="contract",
    segment="contracts",
    template="contract_form.html",
    blank={"start_date": "", "end_date": "", "worktime_percent": "100", "flex_enabled": "true"},
    edits=CONTRACT_EDITS,
    values_of=contract_values,
    name_of=lambda c: f"contract {period(c.start_date, c.end_date)}",
)
CORRECTIONS = Editable(
    noun="correction",
    segment="corrections",
    template="correction_form.html",
    blank={"date": "", "adjust_by": "", "set_to": "", "note": ""},
    edits=CORRECTION_EDITS,
    values_of=correction_values,
    name_of=lambda c: f"correction on {c.date}",
)


async def person_of(request: web.Request) -> Person:
    """The person named by the path's ``guid``; 404 when there is none."""
    guid = request.match_info["guid"]
    person = await Person.get_or_none(guid=guid)
    if person is None:
        raise NotFound(f"No person has the guid {guid[:64]!r}.")
    return person


async def _stored(request: web.Request, kind: Editable, person: Person) -> Stored:
    pk = int(request.match_info["pk"])
    row = await kind.edits.model.get_or_none(id=pk, person_id=person.id)
    if row is None:
        raise NotFound(f"{person.full_name} has no {kind.noun} with the id {pk}.")
    return row


def person_path(request: web.Request, person: Person) -> str:
    return f"{site_root(request.app[SETTINGS_KEY])}/contracts/{quote(person.guid, safe='')}"


def _form_page(
    request: web.Request,
    kind: Editable,
    person: Person,
    *,
    values: Mapping[str, str],
    stored: Stored | None,
    problems: Sequence[Problem] = (),
) -> web.Response:
    return render_form(
        request,
        kind.template,
        problems=problems,
        person=person,
        values=values,
        stored=stored,
        stored_name=kind.name_of(stored) if stored is not None else "",
        action=person_path(request, person)
        + f"/{kind.segment}"
        + ("" if stored is None else f"/{stored.pk}"),
    )


async def _posted_values(request: web.Request, kind: Editable) -> dict[str, str]:
    form = await request.post()
    values = posted_values(form, kind.edits.fields)
    if kind is CONTRACTS and "flex_enabled" not in form:
        values["flex_enabled"] = "false"  # an unticked checkbox sends nothing
    return values


def _new_form(kind: Editable) -> View:
    @requires(Capability.EDIT_CONTRACTS)
    async def view(request: web.Request) -> web.Response:
        person = await person_of(request)
        return _form_page(request, kind, person, values=kind.blank, stored=None)

    return view


def _edit_form(kind: Editable) -> View:
    @requires(Capability.EDIT_CONTRACTS)
    async def view(request: web.Request) -> web.Response:
        person = await person_of(request)
        stored = await _stored(request, kind, person)
        return _form_page(request, kind, person, values=kind.values_of(stored), stored=stored)

    return view


def _save(kind: Editable, new: bool) -> View:
    @requires(Capability.EDIT_CONTRACTS)
    async def view(request: web.Request) -> web.Response:
        person = await person_of(request)
        stored = None if new else await _stored(request, kind, person)
        values = await _posted_values(request, kind)
        try:
            saved = await kind.edits.save(
                person,
                values,
                actor=audit_actor(request),
                row_id=None if stored is None else stored.pk,
            )
        except EditRejected as rejected:
            return _form_page(
                request, kind, person, values=values, stored=stored, problems=rejected.problems
            )
        except LookupError:
            raise NotFound(
                f"That {kind.noun} of {person.full_name} was deleted meanwhile."
            ) from None
        name = kind.name_of(saved.row)
        if saved.outcome == "unchanged":
            text = f"Nothing changed: the {name} of {person.full_name} was already so."
        else:
            text = f"The {name} of {person.full_name} was {saved.outcome}."
        await leave_notice(request, text)
        raise web.HTTPSeeOther(person_path(request, person))

    return view


def _delete_form(kind: Editable) -> View:
    @requires(Capability.EDIT_CONTRACTS)
    async def view(request: web.Request) -> web.Response:
        person = await person_of(request)
        stored = await _stored(request, kind, person)
        return render(
            request,
            "contract_delete.html",
            person=person,
            noun=kind.noun,
            stored_name=kind.name_of(stored),
            values=kind.values_of(stored),
            action=f"{person_path(request, person)}/{kind.segment}/{stored.pk}/delete",
        )

    return view


def _delete(kind: Editable) -> View:
    @requires(Capability.EDIT_CONTRACTS)
    async def view(request: web.Request) -> web.Response:
        person = await person_of(request)
        stored = await _stored(request, kind, person)
        try:
            await kind.edits.delete(person, stored.pk, actor=audit_actor(request))
        except LookupError:
            raise NotFound(
                f"That {kind.noun} of {person.full_name} was deleted meanwhile."
            ) from None
        await leave_notice(
            request, f"The {kind.name_of(stored)} of {person.full_name} was deleted."
        )
        raise web.HTTPSeeOther(person_path(request, person))

    return view


_VIEWS = FormViews(_new_form, _save, _edit_form, _delete_form, _delete)


def add_routes(app: web.Application) -> None:
    for kind in (CONTRACTS, CORRECTIONS):
        _VIEWS.add_routes(app, f"/contracts/{{guid}}/{kind.segment}", kind)
