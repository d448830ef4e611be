"""An officer given a temporary password by an administrator chooses their own before the first lookup."""

import pytest
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from tests.browser.conftest import PHONE, LiveServer, screenshot, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

OWN_PASSWORD = "orchard gate at the river bend"


def test_a_temporary_password_is_replaced_on_the_way_to_the_officers_page(page: Page, live_server: LiveServer) -> None:
    with live_server.app.app_context():
        user = make_user("officer", email="new.officer@browser.example.gov", must_change_password=True)
        db.session.remove()
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/lookup")
    expect(page).to_have_url(f"{live_server.url}/account/password?next=/lookup")
    expect(page.locator("[data-password-due]")).to_have_attribute("data-password-due", "temporary")
    screenshot(page, "account-temporary-password-dark")
    assert serious_violations(page, live_server.url) == []

    page.fill("input[name=current_password]", "correct horse battery staple")  # not the temporary password
    page.fill("input[name=new_password]", OWN_PASSWORD)
    page.fill("input[name=confirm_password]", OWN_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("[data-password-error]")).to_contain_text("The current password is wrong.")

    page.fill("input[name=current_password]", DEFAULT_PASSWORD)
    page.fill("input[name=new_password]", OWN_PASSWORD)
    page.fill("input[name=confirm_password]", OWN_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server.url}/lookup")
    expect(page.locator("#q")).to_be_visible()


def test_on_a_phone_the_officers_top_bar_is_one_row_and_an_admins_pages_never_scroll_sideways(
    signed_in_page: Page, browser: Browser, live_server: LiveServer
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    assert signed_in_page.locator(".topbar").bounding_box()["height"] < 70  # type: ignore[index]
    with live_server.app.app_context():
        admin = make_user("admin", email="phone.admin@browser.example.gov")
        db.session.remove()
    context = browser.new_context(**PHONE)
    try:
        phone = context.new_page()
        sign_in(phone, live_server.url, admin.email, totp_secret=admin.totp_secret)
        for path in ("/", "/admin/users", "/admin/cards", "/admin/audit"):
            phone.goto(f"{live_server.url}{path}")
            assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390, path
            # The brand and theme switch on one row, the seven links and Sign out in two full-width rows below.
            assert phone.locator(".topbar").bounding_box()["height"] < 160, path  # type: ignore[index]
        screenshot(phone, "admin-phone-audit")
    finally:
        context.close()
