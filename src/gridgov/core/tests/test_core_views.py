"""The page shell: home, language switch, error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.conftest import TEST_PASSWORD


@pytest.fixture
def worker(tree, make_user):
    return make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_shows_the_users_roles_and_only_their_areas(client, tree, worker):
    client.force_login(worker)
    html = client.get(reverse("core:home")).content.decode()
    assert "王网格" in html
    assert tree.grid1.name in html
    assert tree.grid1.code in html
    assert tree.grid2.name not in html
    assert tree.grid3.name not in html
    assert reverse("areas:detail", args=[tree.grid1.pk]) in html


def test_navigation_follows_the_roles(client, tree, worker, make_user):
    client.force_login(worker)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("areas:index") in html
    assert reverse("accounts:user_list") not in html
    assert reverse("audit:list") not in html
    admin = make_user("zhou", ("admin", tree.county))
    client.force_login(admin)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("accounts:user_list") in html
    assert reverse("audit:list") in html


def test_pages_are_chinese_by_default(client, tree, worker):
    client.force_login(worker)
    html = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans">' in html


def test_language_switch_renders_english_and_back(client, tree, worker):
    client.force_login(worker)
    home = reverse("core:home")
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    html = client.get(home).content.decode()
    assert '<html lang="en">' in html
    assert "My roles" in html
    assert "Grid worker" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    html = client.get(home).content.decode()
    assert '<html lang="zh-hans">' in html
    # The switch offers the other language under its own name.
    assert ">English</button>" in html


def test_user_menu_has_a_post_logout_and_the_display_name(client, tree, worker):
    client.force_login(worker)
    html = client.get(reverse("core:home")).content.decode()
    assert f'action="{reverse("accounts:logout")}" method="post"' in html
    assert "王网格" in html


def test_login_page_is_reachable_anonymously_with_the_language_switch(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert reverse("set_language") in response.content.decode()


def test_idle_timeout_is_passed_to_the_page(client, tree, worker, settings):
    settings.GRIDGOV_IDLE_TIMEOUT_MINUTES = 7
    client.force_login(worker)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-idle-minutes="7"' in html


def test_a_real_login_through_the_form_lands_on_home(client, tree, worker):
    response = client.post(
        reverse("accounts:login"), {"login": "wang", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert tree.grid1.name in response.content.decode()


def test_idle_session_is_signed_out_with_a_message(client, tree, worker, settings):
    from django.utils import translation
    from django.utils.translation import gettext

    from gridgov.accounts.middleware import SESSION_KEY

    settings.GRIDGOV_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(worker)
    client.get(reverse("core:home"))
    session = client.session
    session[SESSION_KEY] = session[SESSION_KEY] - 31 * 60
    session.save()
    response = client.get(reverse("core:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    with translation.override("zh-hans"):
        expected = gettext("You were signed out after %(m)d minutes without activity.") % {"m": 30}
    assert expected in response.content.decode()


# --- Favicon ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_favicon_ico_answers_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_link_the_svg_icon_which_is_served(client):
    from django.contrib.staticfiles import finders

    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/icons/favicon.svg"' in page
    for name in ("icons/favicon.svg", "icons/favicon-32.png", "icons/apple-touch-icon.png"):
        assert finders.find(name), name
