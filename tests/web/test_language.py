"""
The language follows the person's saved choice, else the language cookie, else
the browser; the footer switcher sets both; dates and numbers follow the language.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from factories import PASSWORD, make_coordinator, make_program, make_school, make_user
from peerpath.core.models import AuditEntry
from peerpath.core.services import user_set_language

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def logged_in(user, **headers) -> Client:
    client = Client(**headers)
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_login_page_follows_accept_language_for_anonymous_visitors():
    body = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5").get(reverse("login"))
    html = body.content.decode()
    assert body["Content-Language"] == "es"
    assert '<html lang="es">' in html
    assert "Iniciar sesión en Peerpath" in html
    assert "Correo electrónico" in html
    assert "¿Olvidó su contraseña?" in html
    english = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("login"))
    assert "Log in to Peerpath" in english.content.decode()
    assert english["Content-Language"] == "en"


def test_switcher_sets_the_language_cookie_for_anonymous_visitors():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("set_language"), {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[COOKIE].value == "es"
    assert "Iniciar sesión en Peerpath" in client.get(reverse("login")).content.decode()


def test_switcher_saves_the_choice_of_a_logged_in_user_and_audits_it():
    school = make_school()
    user = make_coordinator(school)
    make_program(school, user)
    client = logged_in(user, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "es"
    user.refresh_from_db()
    assert user.preferred_language == "es"
    entry = AuditEntry.objects.get(action="user.set_language")
    assert entry.actor == user
    assert entry.before == {"preferred_language": ""}
    assert entry.after == {"preferred_language": "es"}
    # A new device (no cookie, an English browser) still shows Spanish.
    fresh = logged_in(user, HTTP_ACCEPT_LANGUAGE="en")
    assert "Programas que dirige" in fresh.get(reverse("home")).content.decode()
    # Back to English.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert "Programs you run" in fresh.get(reverse("home")).content.decode()


def test_switcher_ignores_unknown_languages_and_needs_post():
    school = make_school()
    user = make_coordinator(school)
    client = logged_in(user)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    user.refresh_from_db()
    assert user.preferred_language == ""
    assert client.get(reverse("set_language")).status_code == 405


def test_switcher_does_not_redirect_off_site():
    response = Client().post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_saved_preference_wins_over_cookie_and_browser():
    school = make_school()
    user = make_coordinator(school)
    make_program(school, user)
    user_set_language(user=user, language="es")
    client = logged_in(user, HTTP_ACCEPT_LANGUAGE="en-US,en")
    client.cookies[COOKIE] = "en"
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in html
    assert f"Hola, {user.get_short_name()}" in html
    assert "Programas que dirige" in html
    assert ">Inicio</a>" in html
    assert ">Programas</a>" in html
    assert "Saltar al contenido principal" in html
    # The switcher shows the current language as text and offers the other one.
    assert '<strong lang="es" aria-current="true">Español</strong>' in html
    assert 'name="language" value="en" lang="en"' in html


def test_without_a_preference_the_browser_decides():
    school = make_school()
    user = make_coordinator(school)
    make_program(school, user)
    html = logged_in(user, HTTP_ACCEPT_LANGUAGE="es").get(reverse("home")).content.decode()
    assert "Programas que dirige" in html
    html = logged_in(user, HTTP_ACCEPT_LANGUAGE="en").get(reverse("home")).content.decode()
    assert "Programs you run" in html


def test_program_page_dates_and_choices_in_spanish():
    school = make_school()
    coordinator = make_coordinator(school)
    program = make_program(school, coordinator, name="Tutoría de Álgebra")
    user_set_language(user=coordinator, language="es")
    html = (
        logged_in(coordinator).get(reverse("programs:detail", args=[program.pk])).content.decode()
    )
    # TERM_START and TERM_END in Spanish DATE_FORMAT ("j \d\e F \d\e Y").
    assert "1 de septiembre de 2026 – 29 de enero de 2027" in html
    assert "Tutoría entre pares" in html  # the program type's label
    assert "Acerca del programa" in html
    assert "Participantes por estado" in html


def test_numbers_are_localised():
    from django.template import Context, Template

    template = Template("{% load humanize %}{{ n|floatformat:1 }} {{ big|intcomma }}")
    with translation.override("es"):
        # Django's Spanish formats group thousands with a no-break space.
        assert template.render(Context({"n": 2.5, "big": 12345})) == "2,5 12\xa0345"
    with translation.override("en"):
        assert template.render(Context({"n": 2.5, "big": 12345})) == "2.5 12,345"


def test_user_set_language_validates_and_audits_only_changes():
    user = make_user(None)
    with pytest.raises(ValidationError):
        user_set_language(user=user, language="fr")
    user_set_language(user=user, language="es")
    user_set_language(user=user, language="es")
    assert AuditEntry.objects.filter(action="user.set_language").count() == 1
    user_set_language(user=user, language="")
    user.refresh_from_db()
    assert user.preferred_language == ""
    assert AuditEntry.objects.filter(action="user.set_language").count() == 2
