"""What the admin site's add, edit and delete forms share (a person's contracts and
corrections, a project's or an invoice's fixed rows): the posted values, a form page that shows
each problem beside its field, and the routes under one base path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web
from multidict import MultiDictProxy

from web.auth import View
from web.rendering import render

Subject = TypeVar("Subject")


class FormProblem(Protocol):
    """A refusal tied to a form's field (``field`` "" for the form as a whole)."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


def errors_by_field(problems: Iterable[FormProblem]) -> dict[str, list[str]]:
    """The problems' messages by field, for the templates' ``errors`` (beside each field)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        errors[problem.field].append(problem.message)
    return dict(errors)


def render_form(
    request: web.Request, template: str, *, problems: Sequence[FormProblem], **context: Any
) -> web.Response:
    """A form page: 200, or 400 with each problem beside its field and in the summary."""
    return render(
        request,
        template,
        status=400 if problems else 200,
        errors=errors_by_field(problems),
        problems=list(problems),
        **context,
    )


def posted_values(form: MultiDictProxy[Any], fields: Iterable[str]) -> dict[str, str]:
    """The posted text of each field ("" when missing, or a file instead of text)."""
    return {name: value if isinstance(value := form.get(name, ""), str) else "" for name in fields}


@dataclass(frozen=True)
class FormViews(Generic[Subject]):
    """The views of one kind of record's forms, each made for a subject: what is edited (a kind
    of a person's records, a project's or an invoice's fixed rows)."""

    new_form: Callable[[Subject], View]
    save: Callable[[Subject, bool], View]
    """(subject, new): saves a new record (True) or the one the path names (False)."""
    edit_form: Callable[[Subject], View]
    delete_form: Callable[[Subject], View]
    delete: Callable[[Subject], View]

    def add_routes(self, app: web.Application, base: str, subject: Subject) -> None:
        """``base/new`` and ``base`` add one, ``base/<id>`` edits it, ``base/<id>/delete``
        asks, then deletes it; each shows a form on GET and saves on POST."""
        one = base + r"/{pk:\d{1,9}}"
        app.router.add_get(f"{base}/new", self.new_form(subject))
        app.router.add_post(base, self.save(subject, True))
        app.router.add_get(one, self.edit_form(subject))
        app.router.add_post(one, self.save(subject, False))
        app.router.add_get(f"{one}/delete", self.delete_form(subject))
        app.router.add_post(f"{one}/delete", self.delete(subject))
