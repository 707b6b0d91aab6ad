"""Swagger UI at /docs and ReDoc at /redoc, in a real headless Chromium (Debian's, through
Playwright).

A person logs in with Authorize (the OAuth2 password flow against /auth/token), opens
GET /users/me, tries it out and reads a 200; the screenshot is reports/swagger-ui.png.
Every file the pages load must come from the service itself: nothing from a CDN.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from tests import infra
from tests.live import LiveService

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = infra.ROOT / "reports" / "swagger-ui.png"
PASSWORD = "correct horse battery"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; root needs --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# One browser for the module: its tests go to one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("swagger-ui-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        infra.missing("Chromium", f"no browser at {CHROMIUM}; Debian's: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_docs(browser: Browser, service: LiveService, path: str = "/docs") -> tuple[Page, list[str]]:
    """A page on the service's `path`, and the list that collects every foreign or failed request.

    The test's service runs on a free port, not the 8000 of `make run`: the contract's
    relative server URL is what makes "Try it out" and Authorize reach it.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(30_000)
    problems: list[str] = []
    # A blob: URL of the service's own origin is a worker the page made from its own script.
    own = (service.url, f"blob:{service.url}")
    page.on("request", lambda r: problems.extend([] if r.url.startswith(own) else [f"foreign: {r.url}"]))

    def failed(request: Request) -> None:
        if request.failure == "csp":  # refused by the page's own policy: nothing was loaded
            problems.remove(f"foreign: {request.url}")
        else:
            problems.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    page.on("response", lambda r: problems.extend([f"{r.status}: {r.url}"] if r.status >= 400 else []))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(f"{service.url}{path}")
    return page, problems


def test_log_in_and_read_me_through_swagger_ui(browser: Browser, live_business: LiveService) -> None:
    name = f"swagger-{uuid.uuid4().hex[:8]}"
    registered = httpx.post(
        f"{live_business.url}/auth/register",
        json={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    page, problems = open_docs(browser, live_business)
    expect(page.locator(".information-container .title")).to_contain_text("Business API")

    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(name)
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    # Once /auth/token gave it a token, Swagger UI says so and offers Logout instead.
    expect(dialog.get_by_role("heading", name="Authorized")).to_be_visible()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_have_text("Logout")
    dialog.locator("button.btn-done").click()

    operation = page.locator("#operations-me-getMe")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_status")
    expect(answer).to_have_text("200")
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text(
        f'"username": "{name}"'
    )

    operation.evaluate("element => element.scrollIntoView()")  # the operation, its answer below it
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT)
    assert problems == []


def test_data_service_docs_show_the_hand_written_contract(browser: Browser, live_data: LiveService) -> None:
    page, problems = open_docs(browser, live_data)
    info = page.locator(".information-container")
    expect(info.locator(".title")).to_contain_text("Data API")
    expect(info.locator(".title")).to_contain_text("OAS 3.1")
    # The contract's description, which FastAPI's derived schema does not have.
    expect(info).to_contain_text("the transactional outbox")
    expect(page.locator("#operations-users-getUser")).to_be_visible()
    assert problems == []


@pytest.mark.parametrize("service", ["business", "data"])
def test_redoc_renders_the_contract_without_a_cdn(
    browser: Browser, service: str, live_business: LiveService, live_data: LiveService
) -> None:
    live = live_business if service == "business" else live_data
    page, problems = open_docs(browser, live, "/redoc")
    title = "Business API" if service == "business" else "Data API"
    expect(page.locator("h1").first).to_contain_text(title)
    # An operation of the contract, rendered as a section of the page.
    expect(page.locator("h2").filter(has_text="Readiness probe")).to_have_count(1)
    assert problems == []
