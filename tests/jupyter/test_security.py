"""Authentication, origin and input checks of the codepal routes (no model needed)."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from codepal_jupyter.handlers import MAX_BODY_BYTES, ROUTES
from tests.jupyter.helpers import NAME_ERROR, Fetch, notebook, post

METHODS = {"codepal/status": "GET"}


async def raw(client: Any, url: str, method: str = "GET", **kwargs: Any) -> HTTPResponse:
    body = kwargs.pop("body", b"{}" if method == "POST" else None)
    return await client.fetch(url, method=method, body=body, raise_error=False, follow_redirects=False,
                              **kwargs)


@pytest.mark.parametrize("route", [r for r, _ in ROUTES])
async def test_every_route_refuses_requests_without_a_token(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str, route: str
) -> None:
    method = METHODS.get(route, "POST")
    for headers in ({}, {"Authorization": "token not-the-token"}):
        response = await raw(http_server_client, jp_base_url + route, method, headers=headers)
        redirected = response.code in (301, 302) and "login" in response.headers["Location"]
        assert response.code == 403 or redirected


async def _login(client: Any, base: str, token: str) -> dict[str, str]:
    """Log in through the form, as a browser does; returns the cookies."""
    page = await raw(client, base + "login")
    cookies = _cookies(page)
    form = f"_xsrf={cookies['_xsrf']}&password={token}".encode()
    answer = await raw(client, base + "login", "POST", body=form, headers={"Cookie": _header(cookies)})
    assert answer.code == 302, answer.body
    cookies.update(_cookies(answer))
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


def _cookies(response: HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in response.headers.get_list("Set-Cookie"):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def _header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def test_cross_origin_posts_with_cookies_are_refused(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str
) -> None:
    cookies = await _login(http_server_client, jp_base_url, jp_serverapp.identity_provider.token)
    url = jp_base_url + "codepal/complete"
    body = json.dumps(notebook("pri", offset=3)).encode()
    base = {"Cookie": _header(cookies), "Content-Type": "application/json"}
    # What a hostile page can send: the browser adds the cookies, but it cannot read the _xsrf cookie.
    forged = await raw(http_server_client, url, "POST", body=body,
                       headers={**base, "Origin": "http://evil.example"})
    assert forged.code in (403, 404), forged.body
    # Even with the XSRF token, a foreign Origin is refused.
    with_token = await raw(http_server_client, url, "POST", body=body,
                           headers={**base, "X-XSRFToken": cookies["_xsrf"], "Origin": "http://evil.example"})
    assert with_token.code in (403, 404), with_token.body
    # The same request from JupyterLab itself is served: the refusals above are not an accident.
    same = await raw(http_server_client, url, "POST", body=body,
                     headers={**base, "X-XSRFToken": cookies["_xsrf"]})
    assert same.code == 200, same.body


async def test_a_foreign_host_header_is_refused(jp_fetch: Fetch) -> None:
    response = await post(jp_fetch, "complete", notebook("pri", offset=3), headers={"Host": "evil.example"})
    assert response.code == 403
    status = await post(jp_fetch, "fix", notebook("x"), headers={"Host": "rebind.evil.example:8888"})
    assert status.code == 403


@pytest.mark.parametrize(
    ("route", "body", "needle"),
    [
        ("complete", b"{not json", "not valid JSON"),
        ("complete", b"\xff\xfe", "not valid JSON"),
        ("fix", b"", "not valid JSON"),
        ("complete", b"[]", "invalid request"),
        ("complete", {"cells": [], "cell_index": 0, "offset": 0}, "cells"),
        ("complete", notebook("x = 1", offset="3"), "offset"),
        ("complete", notebook("x = 1", offset=-1), "offset"),
        ("complete", notebook("x = 1", offset=6), "past the end"),
        ("complete", {**notebook("x"), "cell_index": 3, "offset": 0}, "cell_index"),
        ("complete", {"cells": [{"cell_type": "code", "source": 7}], "cell_index": 0, "offset": 0}, "source"),
        ("explain", notebook("x = 1", start=0, end=99), "past the end"),
        ("explain", {"cells": [{"cell_type": "weird", "source": ""}], "cell_index": 0}, "cell_type"),
        ("fix", notebook("print(y)", error={"ename": "NameError", "traceback": "not a list"}), "traceback"),
    ],
)
async def test_bad_requests_are_400_with_a_message(
    jp_fetch: Fetch, route: str, body: Any, needle: str
) -> None:
    response = await post(jp_fetch, route, body)
    assert response.code == 400, response.body
    answer = json.loads(response.body)
    assert needle in answer["message"], answer


async def test_an_oversized_body_is_refused(jp_fetch: Fetch) -> None:
    huge = notebook("x = 1\n" * (MAX_BODY_BYTES // 6 + 10), offset=0)
    response = await post(jp_fetch, "complete", huge)
    assert response.code == 413
    assert "larger than" in json.loads(response.body)["message"]


async def test_wrong_method_is_405(jp_fetch: Fetch) -> None:
    response = await post(jp_fetch, "status", {})
    assert response.code == 405


async def test_without_an_engine_completion_is_empty_and_fix_is_503(jp_fetch: Fetch) -> None:
    status = json.loads((await jp_fetch("codepal", "status")).body)
    assert status["state"] in ("stopped", "degraded", "starting")
    completion = await post(jp_fetch, "complete", notebook("import os\nos.", offset=13))
    assert completion.code == 200
    assert json.loads(completion.body)["completion"] is None
    fix = await post(jp_fetch, "fix", notebook("x = 1", "print(y)", error=NAME_ERROR))
    assert fix.code == 503
    assert "not ready" in json.loads(fix.body)["message"]
