"""
Peerpath in Spanish, in a real browser: a coordinator switches the language in
the footer, and the home page and a program page read in Spanish, with
``lang="es"``, Spanish dates, no WCAG 2.1 A/AA violation, and no sideways
scrolling on a phone (Spanish runs longer than English).
"""

from __future__ import annotations

import re

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import Page, expect

from factories import PASSWORD, make_coordinator, make_participant, make_program, make_school
from peerpath.core.models import User
from peerpath.programs.models import ParticipantRole, ParticipantStatus


def test_home_and_program_page_in_spanish(page: Page, mobile_page: Page) -> None:
    school = make_school("Escuela Secundaria Riverbend")
    coordinator = make_coordinator(
        school, given_name="Lucía", family_name="Ramírez", email="lucia.ramirez@example.org"
    )
    program = make_program(
        school,
        coordinator,
        name="Tutoría de Matemáticas",
        description="Estudiantes de grados superiores ayudan con álgebra y geometría.",
    )
    for status in (ParticipantStatus.APPLIED, ParticipantStatus.SCREENING, ParticipantStatus.READY):
        make_participant(program, status=status)
    make_participant(program, role=ParticipantRole.MENTOR, status=ParticipantStatus.READY)

    login(page, coordinator.email, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Español").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Lucía")
    expect(page.get_by_role("heading", name="Programas que dirige")).to_be_visible()
    expect(page.get_by_role("link", name="Inicio", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión de Lucía Ramírez")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    coordinator.refresh_from_db()
    assert coordinator.preferred_language == "es"
    assert_accessible(page)
    screenshot(page, "spanish-home")

    page.get_by_role("link", name="Tutoría de Matemáticas").click()
    expect(page).to_have_url(re.compile(rf"/programs/{program.pk}/$"))
    expect(page.get_by_role("heading", name="Acerca del programa")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pasos del programa")).to_be_visible()
    expect(page.get_by_text("1 de septiembre de 2026 – 29 de enero de 2027")).to_be_visible()
    expect(page.get_by_text("Tutoría entre pares", exact=False).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "spanish-program")

    # The choice is saved: another device of the same person opens in Spanish.
    login(mobile_page, coordinator.email, PASSWORD)
    expect(mobile_page.locator("html")).to_have_attribute("lang", "es")
    mobile_page.goto(f"/programs/{program.pk}/")
    expect(mobile_page.get_by_role("heading", name="Acerca del programa")).to_be_visible()
    assert_no_horizontal_overflow(mobile_page)
    screenshot(mobile_page, "spanish-program-mobile")


def test_switching_back_to_english(page: Page) -> None:
    school = make_school()
    coordinator = make_coordinator(school)
    login(page, coordinator.email, PASSWORD)
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    assert User.objects.get(pk=coordinator.pk).preferred_language == "en"
