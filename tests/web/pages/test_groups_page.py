"""``/groups`` over HTTP: admins manage groups with forms (POST-redirect-GET, errors beside the
field, nothing saved on error); everyone else is refused and changes nothing."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from core.settings import Settings
from models import AuditLog, Group, GroupMembership, Person
from models.groups import add_member
from tests.support.browsers import browser
from tests.support.web_site import read_page, serve_web, signed_in_headers, web_settings

_ids = itertools.count(7000)


@dataclass
class Site:
    url: str
    settings: Settings
    ada: Person  # admin
    hanna: Person  # hr
    bob: Person  # in no group
    gone: Person  # archived, still in admin


async def person(first: str, *, archived: bool = False) -> Person:
    n = next(_ids)
    return await Person.create(
        tenkfeet_id=n,
        guid=f"{first.lower()}-{n}",
        first_name=first,
        last_name="Test",
        email=f"{first.lower()}@example.com",
        archived=archived,
    )


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    ada, hanna, bob = await person("Ada"), await person("Hanna"), await person("Bob")
    gone = await person("Gone")
    await add_member("admin", ada, actor="test")
    await add_member("admin", gone, actor="test")
    await add_member("hr", hanna, actor="test")
    await Person.filter(id=gone.id).update(archived=True)
    await AuditLog.all().delete()
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, ada, hanna, bob, gone)


async def memberships() -> set[tuple[str, str]]:
    rows = await GroupMembership.all().values_list("group__name", "person__email")
    return {(str(group), str(email)) for group, email in rows}


BEFORE = {("admin", "ada@example.com"), ("admin", "gone@example.com"), ("hr", "hanna@example.com")}


# --- what an admin sees and does -----------------------------------------------------------


async def test_an_admin_sees_every_group_its_members_and_what_it_grants(site: Site) -> None:
    await add_member("devs", site.bob, actor="test", create_group=True)
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html = await admin.get("/groups")
    assert status == 200
    page = read_page(html)
    assert page.tables["members-admin"][1:] == [
        ["Ada Test", "ada@example.com", "Remove"],
        ["Gone Test archived", "gone@example.com", "Remove"],
    ]
    assert page.tables["members-hr"][1:] == [["Hanna Test", "hanna@example.com", "Remove"]]
    assert "members-finance" not in page.tables
    assert page.tables["members-devs"][1:] == [["Bob Test", "bob@example.com", "Remove"]]
    assert page.texts["grants-admin"] == (
        "Grants: manage groups, see the audit log, see syncs, run syncs, see notifications, "
        "send notifications and choose their channels, see invoices, "
        "see AWS accounts and costs, link AWS accounts to projects."
    )
    assert page.texts["grants-hr"].startswith("Grants: see others' flex, see the people overview")
    assert page.texts["grants-devs"] == "Grants no rights by itself."
    # Custom groups can be deleted, built-in ones cannot; every form carries the CSRF token.
    assert 'action="/groups/devs/delete"' in html and 'action="/groups/hr/delete"' not in html
    assert html.count("<form") == html.count('name="csrf_token" value="test-csrf-') > 8
    # The navigation offers the admin's pages.
    assert '<a href="/groups" aria-current="page">Groups</a>' in html
    assert '<a href="/audit">Audit log</a>' in html


async def test_adding_a_member_redirects_with_a_notice_shown_once(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html, location = await admin.post("/groups/hr/members", email=" BOB@example.com")
        assert (status, location) == (200, "/groups#group-hr")
        assert read_page(html).texts["notice"] == "Added Bob Test <bob@example.com> to hr."
        assert read_page(html).tables["members-hr"][1:] == [
            ["Bob Test", "bob@example.com", "Remove"],
            ["Hanna Test", "hanna@example.com", "Remove"],
        ]
        _, again = await admin.get("/groups")
        assert 'id="notice"' not in again

        status, html, _ = await admin.post("/groups/hr/members", email="bob@example.com")
        assert status == 200
        assert read_page(html).texts["notice"] == (
            "Bob Test <bob@example.com> is already in hr; nothing changed."
        )
    assert await memberships() == BEFORE | {("hr", "bob@example.com")}
    audit = await AuditLog.get()
    assert (audit.actor, audit.entity, audit.action) == (
        "web:ada@example.com",
        "group_membership",
        "create",
    )


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.com", "No person has the e-mail 'nobody@example.com'."),
        (
            "gone@example.com",
            "Gone Test <gone@example.com> is archived in 10000ft; archived people",
        ),
        ("", "Give the person's e-mail."),
    ],
)
async def test_a_refused_member_is_named_beside_the_field_and_nothing_is_saved(
    site: Site, email: str, message: str
) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html, location = await admin.post("/groups/finance/members", email=email)
    assert (status, location) == (400, "")
    page = read_page(html)
    assert page.texts["email-error-finance"].startswith(message)
    assert f'value="{email}"' in html  # what was typed is kept
    assert 'aria-invalid="true" aria-describedby="email-error-finance"' in html
    assert await memberships() == BEFORE
    assert await AuditLog.all().count() == 0


async def test_creating_and_deleting_a_custom_group(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html, location = await admin.post("/groups", name="Dev Team")
        assert (status, location) == (400, "")
        assert read_page(html).texts["group-name-error"] == (
            "'Dev Team' is not a group name: use lowercase letters, digits and '-', "
            "1-64 characters."
        )
        assert 'value="Dev Team"' in html
        status, html, _ = await admin.post("/groups", name="hr")
        assert read_page(html).texts["group-name-error"] == "There is already a group named 'hr'."
        assert await Group.filter(name="dev-team").count() == 0

        status, html, location = await admin.post("/groups", name="dev-team")
        assert (status, location) == (200, "/groups#group-dev-team")
        assert read_page(html).texts["notice"] == "Created the group dev-team."
        await admin.post("/groups/dev-team/members", email="bob@example.com")

        status, html, location = await admin.post("/groups/dev-team/delete")
        assert (status, location) == (200, "/groups")
        assert read_page(html).texts["notice"] == "Deleted the group dev-team and its 1 membership."
        assert 'id="group-dev-team"' not in html
    assert not await Group.filter(name="dev-team").exists()
    assert [(a.entity, a.action) for a in await AuditLog.all().order_by("id")] == [
        ("group", "create"),
        ("group_membership", "create"),
        ("group", "delete"),
    ]


async def test_built_in_groups_cannot_be_deleted_and_gone_groups_are_named(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html, _ = await admin.post("/groups/hr/delete")
        assert status == 400
        assert read_page(html).texts["problem"] == ("hr is a built-in group; it cannot be deleted.")
        status, html, _ = await admin.post("/groups/devs/members", email="bob@example.com")
        assert status == 400
        assert read_page(html).texts["problem"] == (
            "There is no group named 'devs' (groups: admin, hr, finance)."
        )
        status, html, _ = await admin.post("/groups/Dev%20Team/members", email="bob@example.com")
        assert status == 400
        assert read_page(html).texts["problem"].startswith("'Dev Team' is not a group name")
    assert await memberships() == BEFORE
    assert await AuditLog.all().count() == 0


async def test_removing_members_but_never_the_last_active_admin(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html, location = await admin.post("/groups/hr/remove", person_id=str(site.hanna.id))
        assert (status, location) == (200, "/groups#group-hr")
        assert read_page(html).texts["notice"] == "Removed Hanna Test <hanna@example.com> from hr."

        # Gone is archived: Ada is the last active admin and stays.
        status, html, _ = await admin.post("/groups/admin/remove", person_id=str(site.ada.id))
        assert status == 400
        assert (
            read_page(html)
            .texts["remove-error-admin"]
            .startswith("Ada Test <ada@example.com> is the last active member of admin")
        )
        status, _, _ = await admin.post("/groups/admin/remove", person_id=str(site.gone.id))
        assert status == 200
        status, _, _ = await admin.post("/groups/admin/remove", person_id="x1")
        assert status == 400
    assert await memberships() == {("admin", "ada@example.com")}
    assert await AuditLog.all().count() == 2


# --- refusals ------------------------------------------------------------------------------


async def test_signed_out_visitors_are_sent_to_sign_in_and_their_posts_refused(
    site: Site,
) -> None:
    async with browser(site.url, site.settings, None) as visitor:
        assert await visitor.get("/groups", follow=False) == (302, "/sign-in?next=/groups")
        status, html, _ = await visitor.post("/groups/hr/members", email="bob@example.com")
        assert status == 403
        assert "Sign in first" in html
        status, _, _ = await visitor.post("/groups", name="devs")
        assert status == 403
    async with aiohttp.ClientSession() as script, script.get(site.url + "/groups") as response:
        assert response.status == 401
    assert await memberships() == BEFORE
    assert await Group.all().count() == 2
    assert await AuditLog.all().count() == 0


@pytest.mark.parametrize("who", ["hanna", "bob"])
async def test_people_outside_admin_are_refused_naming_the_admin_group(
    site: Site, who: str
) -> None:
    someone: Person = getattr(site, who)
    async with browser(site.url, site.settings, someone.id) as outsider:
        status, html = await outsider.get("/groups")
        assert status == 403
        assert "This needs the admin group (to manage groups)." in html
        assert '<a href="/groups"' not in html  # no link to a page they cannot open
        for path, fields in [
            ("/groups/hr/members", {"email": "bob@example.com"}),
            ("/groups/admin/remove", {"person_id": str(site.ada.id)}),
            ("/groups", {"name": "devs"}),
            ("/groups/hr/delete", {}),
        ]:
            status, html, _ = await outsider.post(path, **fields)
            assert status == 403, path
            assert "This needs the admin group" in html
    assert await memberships() == BEFORE
    assert await AuditLog.all().count() == 0


async def test_an_archived_admin_s_session_no_longer_counts(site: Site) -> None:
    async with browser(site.url, site.settings, site.gone.id) as archived:
        assert (await archived.get("/groups", follow=False))[0] == 302
        status, _, _ = await archived.post("/groups/hr/members", email="bob@example.com")
        assert status == 403
    assert await memberships() == BEFORE


@pytest.mark.parametrize("csrf", ["", "wrong-token"])
async def test_a_form_without_the_session_s_csrf_token_is_refused(site: Site, csrf: str) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        for path, fields in [
            ("/groups/hr/members", {"email": "bob@example.com"}),
            ("/groups/admin/remove", {"person_id": str(site.gone.id)}),
            ("/groups", {"name": "devs"}),
        ]:
            status, html, _ = await admin.post(path, csrf=csrf, **fields)
            assert status == 403, path
            assert "This form has expired or was not sent from this site." in html
    assert await memberships() == BEFORE
    assert await Group.all().count() == 2
    assert await AuditLog.all().count() == 0


async def test_the_csrf_header_works_for_scripts(site: Site) -> None:
    headers = signed_in_headers(site.settings, site.ada.id)
    async with (
        aiohttp.ClientSession() as script,
        script.post(
            site.url + "/groups/finance/members",
            data={"email": "bob@example.com"},
            headers=headers,
            allow_redirects=False,
        ) as response,
    ):
        assert (response.status, response.headers["Location"]) == (303, "/groups#group-finance")
    assert ("finance", "bob@example.com") in await memberships()
