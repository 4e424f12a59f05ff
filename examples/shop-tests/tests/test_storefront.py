"""UI tests on pytest-playwright's `page`: anyres-agent's `ui_page` locates by description and judges
statements; the page, base URL, browser options, tracing and screenshots are pytest-playwright's."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.agent_ui(url="/")
def test_adding_a_mug_puts_it_in_the_cart(ui_page: Any, page: Any) -> None:
    ui_page.assert_that("the cart is empty")
    ui_page.tap("the Add to cart button of the blue mug")
    ui_page.assert_that("the cart shows 1 item")
    assert page.locator("#count").text_content() == "1"  # the same page, with Playwright's own API


@pytest.mark.agent_ui(url="/checkout")
def test_the_checkout_form_takes_name_and_email(ui_page: Any, page: Any) -> None:
    ui_page.type("Ada Lovelace", into="the full name field")
    ui_page.type("ada@example.com", into="the email field")
    assert (page.input_value("#name"), page.input_value("#email")) == ("Ada Lovelace", "ada@example.com")
