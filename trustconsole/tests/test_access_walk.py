"""Walks every named URL of the URL conf as each role; a new view without a rule here fails.

Rules come from DESIGN.md's role table. A role that may use a page must not get 403 or the login
page; a role that may not must get exactly 403; anonymous users go to the login page (401 under
/api/). Each 200 HTML page must have one <h1> and a lang attribute.
"""

import re
import uuid
from fnmatch import fnmatch

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from conftest import ROLE_FIXTURES, client_for

SIGNED_IN = set(ROLE_FIXTURES)
PUBLIC = "public"
TOKEN = "token"
# API endpoints take bearer tokens only: a console session is not enough, whatever the role.
BEARER = "bearer"
NOBODY = set()

# First matching rule wins. Names are "namespace:name".
ACCESS_RULES = [
    ("healthz", PUBLIC),
    ("login", PUBLIC),
    ("logout", PUBLIC),
    ("admin:login", PUBLIC),
    ("admin:logout", {"admin"}),
    # django-rq's JSON statistics answer 401 unless the caller is staff or holds RQ_API_TOKEN.
    ("admin:django_rq_home_json", TOKEN),
    ("home", SIGNED_IN),
    ("cases:queue", {"analyst", "lead", "auditor"}),
    ("cases:case", {"analyst", "lead", "auditor"}),
    ("cases:leave", {"analyst", "lead", "auditor"}),
    ("cases:reveal_email", {"analyst", "lead", "auditor"}),
    ("cases:account", {"analyst", "lead", "auditor", "admin"}),
    ("cases:reveal_private", {"admin"}),
    ("cases:reassign", {"lead"}),
    ("cases:approvals", {"lead"}),
    ("cases:approve", {"lead"}),
    ("cases:reject", {"lead"}),
    ("cases:appeals", {"lead"}),
    ("cases:decide_appeal", {"lead"}),
    # QA review pages: a review is shown only to its reviewer (403 for others), finished ones
    # to leads too; the walk's sample id names no review, hence 404 for those who may work.
    ("cases:qa*", {"analyst", "lead"}),
    ("audit_log", {"lead", "auditor", "admin"}),
    ("audit_export", {"lead", "auditor"}),
    ("cases:*", {"analyst", "lead"}),
    # Client standards: leads decide, auditors read.
    ("standards:decide", {"lead"}),
    ("standards:*", {"lead", "auditor"}),
    ("dashboards:*", {"lead", "auditor"}),
    # Badge overrides and the rule simulator are admins' work.
    ("reputation:*", {"admin"}),
    ("api:openapi-json", SIGNED_IN),
    ("api:openapi-view", SIGNED_IN),
    ("api:*", BEARER),
    ("password_change", SIGNED_IN),
    # Audit rows are read-only even in Django admin.
    ("admin:trustconsole_auditevent_add", NOBODY),
    ("admin:trustconsole_auditevent_delete", NOBODY),
    # Login lockouts are recorded by django-axes, never typed in.
    ("admin:axes_*_add", NOBODY),
    ("admin:django_rq_dashboard_add", NOBODY),
    # Cases change only through the console's services; admin lists them read-only.
    ("admin:cases_case_add", NOBODY),
    ("admin:cases_case_delete", NOBODY),
    ("admin:cases_enforcementaction_add", NOBODY),
    ("admin:cases_enforcementaction_delete", NOBODY),
    ("admin:cases_qareview_add", NOBODY),
    ("admin:cases_qareview_delete", NOBODY),
    ("admin:cases_qasampling_add", NOBODY),
    ("admin:cases_qasampling_delete", NOBODY),
    ("admin:trustconsole_notice_add", NOBODY),
    ("admin:trustconsole_notice_delete", NOBODY),
    ("admin:django_rq_dashboard_delete", NOBODY),
    # Accounts and badges change only through services; overrides are never deleted.
    ("admin:reputation_account_add", NOBODY),
    ("admin:reputation_account_delete", NOBODY),
    ("admin:reputation_badge_add", NOBODY),
    ("admin:reputation_badge_delete", NOBODY),
    ("admin:reputation_badgeoverride_delete", NOBODY),
    # Standings and assessments change only through outreach; there is one thresholds row, and
    # every kind of outreach notice must keep its template.
    ("admin:standards_clientassessment_add", NOBODY),
    ("admin:standards_clientassessment_delete", NOBODY),
    ("admin:standards_clientstanding_add", NOBODY),
    ("admin:standards_clientstanding_delete", NOBODY),
    ("admin:standards_outreachtemplate_delete", NOBODY),
    ("admin:standards_thresholds_add", NOBODY),
    ("admin:standards_thresholds_delete", NOBODY),
    # No ModelAdmin declares autocomplete fields yet, so every autocomplete request is refused.
    ("admin:autocomplete", NOBODY),
    ("no_rq_scheduler", {"admin"}),
    ("admin:*", {"admin"}),
]

SAMPLE_VALUES = ["1", "auth", "x"]


def _user_on_site():
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    return {"content_type_id": ContentType.objects.get_for_model(get_user_model()).pk, "object_id": 1}


def _registered_worker():
    import django_rq
    from rq import Worker

    worker = Worker(
        ["default"], connection=django_rq.get_connection("default"), name=f"access-walk-{uuid.uuid4().hex[:8]}"
    )
    worker.register_birth()
    return {"queue_index": 0, "key": worker.key}


def _draft_of(model_name):
    def make():
        from reputation.models import BadgeRule, ScoringParameters

        if model_name == "badgerule":
            published = BadgeRule.objects.published().get(tier="top_rated")
            values = {f.name: getattr(published, f.name) for f in BadgeRule._meta.concrete_fields if f.editable}
            draft = BadgeRule.objects.create(**{k: v for k, v in values.items() if k not in ("id", "note")})
        else:
            draft = ScoringParameters.objects.create()
        return {"object_id": draft.pk}

    return make


# URL arguments that must name something real to reach the view's own checks.
SAMPLE_KWARGS = {
    # Published versions are frozen; only a draft can be deleted.
    "admin:reputation_badgerule_delete": _draft_of("badgerule"),
    "admin:reputation_scoringparameters_delete": _draft_of("scoringparameters"),
    "admin:view_on_site": _user_on_site,
    "admin:django_rq_worker_details": _registered_worker,
}


def rule_for(name):
    for pattern, allowed in ACCESS_RULES:
        if fnmatch(name, pattern):
            return allowed
    return None


def named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join(filter(None, [namespace, entry.name])), entry


def sample_url(name, pattern):
    if name in SAMPLE_KWARGS:
        return reverse(name, kwargs=SAMPLE_KWARGS[name]())
    converters = getattr(pattern.pattern, "converters", {})
    groups = list(pattern.pattern.regex.groupindex)
    if not groups:
        return reverse(name)
    for fallback in SAMPLE_VALUES:
        kwargs = {}
        for group in groups:
            converter = converters.get(group)
            if isinstance(converter, IntConverter):
                kwargs[group] = 1
            elif isinstance(converter, UUIDConverter):
                kwargs[group] = uuid.UUID(int=1)
            else:
                kwargs[group] = fallback
        try:
            return reverse(name, kwargs=kwargs)
        except Exception:  # noqa: S112 - try the next sample value
            continue
    raise AssertionError(f"No sample URL for {name}; add a sample value to the walk")


PATTERNS = dict(named_patterns())
URL_NAMES = sorted(PATTERNS)


def test_every_url_has_an_access_rule():
    missing = [name for name in URL_NAMES if rule_for(name) is None]
    assert missing == [], f"Add these URL names to ACCESS_RULES: {missing}"


def is_login_redirect(response):
    return response.status_code == 302 and "login" in response.headers.get("Location", "")


def is_sent_to_sign_in(name, response):
    # Django admin sends an anonymous logout to its index, which then asks for a sign-in.
    if name == "admin:logout":
        return response.status_code == 302 and response.headers["Location"] == reverse("admin:index")
    return is_login_redirect(response)


def assert_well_formed_page(name, response):
    if response.status_code == 200 and response.headers.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        assert re.search(r"<html[^>]*\blang=\"[a-z-]+\"", html), f"{name}: <html> has no lang"
        assert len(re.findall(r"<h1[\s>]", html)) == 1, f"{name}: a page needs exactly one <h1>"


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_users_are_sent_to_sign_in(client, db, name):
    url = sample_url(name, PATTERNS[name])
    response = client.get(url)
    if rule_for(name) == PUBLIC:
        assert response.status_code < 500 and not is_login_redirect(response)
        assert_well_formed_page(name, response)
    elif url.startswith("/api/") or rule_for(name) in (TOKEN, BEARER):
        assert response.status_code == 401
    else:
        assert is_sent_to_sign_in(name, response), f"{name} answered {response.status_code} to an anonymous user"


@pytest.mark.parametrize("role", ROLE_FIXTURES)
@pytest.mark.parametrize("name", URL_NAMES)
def test_each_role_gets_exactly_what_the_role_table_allows(db, request, role, name):
    url = sample_url(name, PATTERNS[name])
    allowed = rule_for(name)
    if allowed == TOKEN:
        allowed, refused_status = {"admin"}, 401
    elif allowed == BEARER:
        allowed, refused_status = set(), 401
    else:
        refused_status = 403
    user = request.getfixturevalue(role)
    response = client_for(user).get(url)
    assert response.status_code < 500, f"{name} as {role}: {response.status_code}"
    if allowed == PUBLIC or role in allowed:
        assert response.status_code != 403 and not is_login_redirect(response), (
            f"{name} as {role} should be allowed, got {response.status_code}"
        )
        assert_well_formed_page(name, response)
    else:
        assert response.status_code == refused_status, f"{name} as {role} should be refused, got {response.status_code}"
