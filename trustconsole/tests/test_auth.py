import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from conftest import TEST_PASSWORD, client_for
from trustconsole.models import AuditAction, AuditEvent


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_signing_in_leaves_exactly_one_login_row(client, analyst):
    response = client.post(reverse("login"), {"username": "ana", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == reverse("home")
    (row,) = events(AuditAction.LOGIN)
    assert (row.actor_kind, row.actor_id, row.actor_name) == ("user", str(analyst.pk), "ana")
    assert (row.target_type, row.target_id) == ("auth.user", str(analyst.pk))
    assert row.context["ip"] == "127.0.0.1"


def test_a_failed_sign_in_leaves_exactly_one_row_naming_what_was_typed_but_never_the_password(client, analyst):
    response = client.post(reverse("login"), {"username": "ana", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    (row,) = events(AuditAction.LOGIN_FAILED)
    assert (row.actor_kind, row.actor_name) == ("anonymous", "ana")
    assert (row.target_type, row.target_id) == ("auth.user", str(analyst.pk))
    assert "wrong-password" not in str(row.hashed_content())
    assert not events(AuditAction.LOGIN).exists()


def test_a_failed_sign_in_for_an_unknown_name_has_no_target(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "whatever-it-is"})
    (row,) = events(AuditAction.LOGIN_FAILED)
    assert (row.actor_name, row.target_type, row.target_id) == ("nobody", "", "")


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, analyst, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ana", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "ana", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert events(AuditAction.LOCKED_OUT).exists()
    assert not events(AuditAction.LOGIN).exists()
    assert "_auth_user_id" not in client.session


def test_signing_out_is_a_post_and_leaves_one_row(analyst):
    client = client_for(analyst)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    (row,) = events(AuditAction.LOGOUT)
    assert row.actor_id == str(analyst.pk)
    assert client.get(reverse("home")).status_code == 302


def test_changing_your_password_needs_the_old_one(analyst):
    client = client_for(analyst)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(TEST_PASSWORD)
    assert not events(AuditAction.PASSWORD_CHANGED).exists()


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [("short", "short", "too short"), ("a-new-long-passphrase", "different-passphrase", "didn’t match")],  # noqa: RUF001 - Django's own wording,
)
def test_a_weak_or_mistyped_new_password_is_refused(analyst, new1, new2, message):
    client = client_for(analyst)
    response = client.post(
        reverse("password_change"), {"old_password": TEST_PASSWORD, "new_password1": new1, "new_password2": new2}
    )
    assert message in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(TEST_PASSWORD)


def test_changing_your_password_keeps_you_signed_in_and_is_audited(analyst):
    client = client_for(analyst)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(pk=analyst.pk).check_password("a-new-long-passphrase")
    (row,) = events(AuditAction.PASSWORD_CHANGED)
    assert row.actor_id == row.target_id == str(analyst.pk)
    assert client.get(reverse("home")).status_code == 200


def test_pages_carry_a_strict_content_security_policy_and_refuse_framing(analyst):
    response = client_for(analyst).get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html
    assert " style=" not in html and "<style" not in html


def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def age_session(client, seconds):
    """Move the session's expiry and last renewal `seconds` into the past."""
    from django.contrib.sessions.backends.db import SessionStore

    row = session_row(client)
    store = SessionStore(session_key=row.session_key)
    data = store.load()
    data["renewed_at"] = int(time.time()) - seconds
    row.session_data = store.encode(data)
    row.expire_date -= timedelta(seconds=seconds)
    row.save(update_fields=["session_data", "expire_date"])
    # Sessions are read from the cache first; drop the cached copy, as its own expiry would have,
    # so that the next request reads the aged row.
    cache.delete(CachedStore(session_key=row.session_key).cache_key)
    return row.expire_date


def test_an_active_session_is_renewed_at_most_every_few_minutes_not_on_every_page(analyst, settings):
    client = client_for(analyst)
    client.get(reverse("home"))  # the first page marks the renewal
    renewed = session_row(client).expire_date
    client.get(reverse("home"))
    assert session_row(client).expire_date == renewed
    stale = age_session(client, settings.SESSION_RENEW_SECONDS + 1)
    assert client.get(reverse("home")).status_code == 200
    assert session_row(client).expire_date > stale + timedelta(seconds=settings.SESSION_RENEW_SECONDS)


def test_a_session_is_read_from_the_cache_and_survives_losing_its_cached_copy(analyst):
    client = client_for(analyst)
    assert client.get(reverse("home")).status_code == 200
    key = CachedStore(session_key=client.session.session_key).cache_key
    assert cache.get(key) is not None
    cache.delete(key)  # as when Redis evicts it or restarts empty
    assert client.get(reverse("home")).status_code == 200  # still signed in: the database holds it
    assert cache.get(key) is not None


def test_a_session_idle_past_its_age_is_signed_out(analyst, settings):
    client = client_for(analyst)
    client.get(reverse("home"))
    age_session(client, settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))
