"""Sign in with Slack against the Slack emulator: the whole OpenID Connect flow and every way
it is refused (wrong or replayed state, replayed code, a nonce from another attempt, an
unknown or archived person, Slack errors), then sign-out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import aiohttp
import pytest

from bot.emulators.slack import SlackEmulator
from models import Person
from tests.support.sign_in_flow import (
    SignInSite,
    browser,
    csrf_field,
    redirect_of,
    serve_sign_in_site,
    sign_in_with_slack,
    slack_authorize_url,
)
from tests.support.web_company import make_person
from web.pages.sign_in import NOT_A_PERSON, pending_sign_in, safe_next
from web.slack_identity import SignInFailed, check_claims, identity_from


@pytest.fixture
async def emulator(slack_emulator: SlackEmulator) -> SlackEmulator:
    slack_emulator.add_user("U0ADA", email="ada@example.com", real_name="Ada Aalto")
    slack_emulator.add_user("U0NEW", email="Ben@Example.com", real_name="Ben Berg")
    slack_emulator.add_user("U0EVE", email="eve@elsewhere.example", real_name="Eve Outsider")
    slack_emulator.add_user("U0ARI", email="ari@example.com", real_name="Ari Archived")
    slack_emulator.oidc_signed_in_user = "U0ADA"
    return slack_emulator


@pytest.fixture
async def site(db: str, emulator: SlackEmulator) -> AsyncIterator[SignInSite]:
    async with serve_sign_in_site(db, emulator) as served:
        yield served


@pytest.fixture
async def ada(db: str) -> Person:
    return await make_person("Ada", "Aalto", slack_id="U0ADA")


async def signed_in_as(session: aiohttp.ClientSession, site: str) -> str | None:
    """The name in the header of the start page, or None when the site asks to sign in."""
    async with session.get(f"{site}/", allow_redirects=False) as response:
        if response.status == 302:
            assert "/sign-in?next=" in response.headers["Location"]
            return None
        assert response.status == 200
        html = await response.text()
    start = html.index('<span class="signed-in-as">') + len('<span class="signed-in-as">')
    return html[start : html.index("</span>", start)]


async def test_sign_in_page_offers_slack_and_keeps_next(site: SignInSite) -> None:
    async with browser() as session, session.get(f"{site.url}/sign-in?next=/users") as response:
        assert response.status == 200
        html = await response.text()
    assert 'href="/sign-in/slack?next=%2Fusers"' in html
    assert "Sign in with Slack" in html
    assert "/demo/sign-in" not in html  # not the demo


async def test_the_site_sends_the_browser_to_slack_with_state_and_nonce(site: SignInSite) -> None:
    async with browser() as session:
        first = await slack_authorize_url(session, site.url)
        second = await slack_authorize_url(session, site.url)
    parts = urlsplit(first)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    authorize = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert authorize == site.settings.slack_openid_authorize_url
    assert query["response_type"] == "code"
    assert query["scope"] == "openid email profile"
    assert query["client_id"] == site.settings.slack_client_id
    assert query["redirect_uri"] == f"{site.url}/sign-in/callback"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    again = {k: v[0] for k, v in parse_qs(urlsplit(second).query).items()}
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]


async def test_sign_in_lands_on_next_and_sign_out_ends_it(
    site: SignInSite, ada: Person, emulator: SlackEmulator
) -> None:
    async with browser() as session:
        assert await signed_in_as(session, site.url) is None
        status, location, _ = await sign_in_with_slack(session, site.url, "/users?archived=1")
        assert (status, location) == (302, "/users?archived=1")
        assert await signed_in_as(session, site.url) == "Ada Aalto"
        token = emulator.calls_to("openid.connect.token")[-1]
        assert token.args["redirect_uri"] == f"{site.url}/sign-in/callback"
        assert emulator.calls_to("openid.connect.userInfo")

        async with session.get(f"{site.url}/") as response:
            csrf = csrf_field(await response.text())
        async with session.post(
            f"{site.url}/sign-out", data={"csrf_token": csrf}, allow_redirects=False
        ) as response:
            assert (response.status, response.headers["Location"]) == (302, "/sign-in")
        assert await signed_in_as(session, site.url) is None


async def test_a_person_not_linked_to_slack_yet_is_matched_by_e_mail(
    site: SignInSite, emulator: SlackEmulator
) -> None:
    await make_person("Ben", "Berg")  # ben@example.com, no Slack id; Slack has Ben@Example.com
    emulator.oidc_signed_in_user = "U0NEW"
    async with browser() as session:
        status, location, _ = await sign_in_with_slack(session, site.url)
        assert (status, location) == (302, "/")
        assert await signed_in_as(session, site.url) == "Ben Berg"


@pytest.mark.parametrize("user", ["U0EVE", "U0ARI"])
async def test_an_unknown_or_archived_person_is_refused(
    site: SignInSite, emulator: SlackEmulator, user: str
) -> None:
    await make_person("Ari", "Archived", slack_id="U0ARI", archived=True)
    emulator.oidc_signed_in_user = user
    async with browser() as session:
        status, _, html = await sign_in_with_slack(session, site.url)
        assert status == 403
        assert NOT_A_PERSON in html
        assert await signed_in_as(session, site.url) is None


async def test_a_wrong_or_missing_state_is_refused(
    site: SignInSite, ada: Person, emulator: SlackEmulator
) -> None:
    async with browser() as session:
        authorize = await slack_authorize_url(session, site.url)
        callback = urlsplit(await redirect_of(session, authorize))
        query = {k: v[0] for k, v in parse_qs(callback.query).items()}
        for state in ("not-the-state", ""):
            forged = urlunsplit(callback._replace(query=urlencode({**query, "state": state})))
            async with session.get(forged, allow_redirects=False) as response:
                assert response.status == 400
                assert "does not belong to a sign-in started in this browser" in (
                    await response.text()
                )
        # The refused attempt used up the pending sign-in: the right state is no good now either.
        async with session.get(urlunsplit(callback), allow_redirects=False) as response:
            assert response.status == 400
        assert await signed_in_as(session, site.url) is None
    assert not emulator.calls_to("openid.connect.token")  # the code never reached Slack


async def test_a_replayed_callback_or_code_is_refused(
    site: SignInSite, ada: Person, emulator: SlackEmulator
) -> None:
    async with browser() as first:
        authorize = await slack_authorize_url(first, site.url)
        callback = await redirect_of(first, authorize)
        assert (await redirect_of(first, callback)) == "/"
        async with first.get(callback, allow_redirects=False) as response:
            assert response.status == 400  # its state was used
    used_code = parse_qs(urlsplit(callback).query)["code"][0]
    async with browser() as second:
        # Another browser's own sign-in, answered with the first one's code.
        state = parse_qs(urlsplit(await slack_authorize_url(second, site.url)).query)["state"][0]
        replay = f"{site.url}/sign-in/callback?" + urlencode({"code": used_code, "state": state})
        async with second.get(replay, allow_redirects=False) as response:
            assert response.status == 400
            assert "Slack did not accept this sign-in (invalid_code)" in await response.text()
        assert await signed_in_as(second, site.url) is None


async def test_an_id_token_with_another_attempts_nonce_is_refused(
    site: SignInSite, ada: Person
) -> None:
    async with browser() as session:
        authorize = urlsplit(await slack_authorize_url(session, site.url))
        query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        injected = urlunsplit(authorize._replace(query=urlencode({**query, "nonce": "other"})))
        callback = await redirect_of(session, injected)
        async with session.get(callback, allow_redirects=False) as response:
            assert response.status == 400
            assert "belongs to another sign-in attempt" in await response.text()
        assert await signed_in_as(session, site.url) is None


async def test_cancelling_at_slack_says_so(site: SignInSite, ada: Person) -> None:
    async with browser() as session:
        authorize = urlsplit(await slack_authorize_url(session, site.url))
        form = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        async with session.post(
            urlunsplit(authorize._replace(query="")),
            data={**form, "cancel": "1"},
            allow_redirects=False,
        ) as response:
            callback = response.headers["Location"]
        async with session.get(callback, allow_redirects=False) as response:
            assert response.status == 400
            assert "Slack did not sign you in (access_denied)." in await response.text()


@pytest.mark.parametrize(
    ("error", "status", "sentence"),
    [
        ("bad_client_secret", 400, "Slack refused this site&#39;s sign-in settings"),
        ("ratelimited", 400, "Slack refused the sign-in (ratelimited)"),
    ],
)
async def test_a_slack_error_is_a_clear_page(
    site: SignInSite, ada: Person, emulator: SlackEmulator, error: str, status: int, sentence: str
) -> None:
    emulator.fail_once("openid.connect.token", status=200, error=error)
    async with browser() as session:
        got, _, html = await sign_in_with_slack(session, site.url)
        assert got == status
        assert sentence in html and "Traceback" not in html
        assert await signed_in_as(session, site.url) is None


async def test_slack_out_of_reach_is_a_clear_page(
    db: str, emulator: SlackEmulator, ada: Person, unused_tcp_port: int
) -> None:
    dead = f"http://127.0.0.1:{unused_tcp_port}/api/"
    async with serve_sign_in_site(db, emulator, SLACK_API_URL=dead) as site, browser() as session:
        status, _, html = await sign_in_with_slack(session, site.url)
        assert status == 502
        assert "Slack could not be reached to finish signing in." in html


async def test_sign_out_needs_the_csrf_token(site: SignInSite, ada: Person) -> None:
    async with browser() as session:
        await sign_in_with_slack(session, site.url)
        for data in ({}, {"csrf_token": "forged"}):
            async with session.post(f"{site.url}/sign-out", data=data) as response:
                assert response.status == 403
        assert await signed_in_as(session, site.url) == "Ada Aalto"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/users?sort=saldo", "/users?sort=saldo"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("users", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_is_only_ever_a_path_on_this_site(raw: str | None, kept: str) -> None:
    assert safe_next(raw) == kept


async def test_next_from_elsewhere_lands_on_the_start_page(site: SignInSite, ada: Person) -> None:
    async with browser() as session:
        status, location, _ = await sign_in_with_slack(session, site.url, "//evil.example/")
        assert (status, location) == (302, "/")


def test_a_pending_sign_in_is_good_for_ten_minutes() -> None:
    import time

    fresh = {"state": "s", "nonce": "n", "next": "/", "started": int(time.time())}
    old = {**fresh, "started": int(time.time()) - 601}
    assert pending_sign_in(fresh, "s") == fresh
    assert pending_sign_in(fresh, "x") is None
    assert pending_sign_in(old, "s") is None
    assert pending_sign_in(None, "s") is None


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"iss": "https://evil.example"}, "not issued by Slack"),
        ({"aud": "someone-else"}, "meant for another app"),
        ({"exp": 1_000_000 - 61}, "has expired"),
        ({"nonce": "other"}, "another sign-in attempt"),
        ({"https://slack.com/user_id": None, "sub": None}, "which Slack user"),
    ],
)
def test_id_token_claims_are_checked(changes: dict[str, object], sentence: str) -> None:
    claims = {
        "iss": "https://slack.com",
        "aud": "client",
        "exp": 1_000_000 + 300,
        "nonce": "n",
        "sub": "U1",
        "https://slack.com/user_id": "U1",
    }
    check_claims(claims, client_id="client", nonce="n", now=1_000_000)
    with pytest.raises(SignInFailed, match=sentence):
        check_claims({**claims, **changes}, client_id="client", nonce="n", now=1_000_000)


def test_only_a_verified_e_mail_of_the_same_user_counts() -> None:
    claims = {"sub": "U1", "https://slack.com/user_id": "U1", "https://slack.com/team_id": "T1"}
    profile = {**claims, "email": "Ada@Example.com", "email_verified": True, "name": "Ada"}
    identity = identity_from(claims, profile)
    assert (identity.user_id, identity.team_id, identity.email) == ("U1", "T1", "Ada@Example.com")
    assert identity_from(claims, {**profile, "email_verified": False}).email is None
    with pytest.raises(SignInFailed, match="another user"):
        identity_from(claims, {**profile, "sub": "U2", "https://slack.com/user_id": "U2"})
