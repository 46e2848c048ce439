import pytest
from django.core.exceptions import ValidationError

from cases import catalogue
from cases.models import NOTICE_PLACEHOLDERS, NoticeIncomplete, NoticeTemplate
from cases.tests.conftest import act
from trustconsole.models import Notice

FULL = {name: f"<{name}>" for name in NOTICE_PLACEHOLDERS}


@pytest.mark.parametrize("kind", [kind for kind, _, _ in catalogue.NOTICE_TEMPLATES])
def test_every_default_template_renders_with_no_placeholder_left(catalogue, kind):
    subject, body = NoticeTemplate.objects.get(kind=kind).render(FULL)
    assert "{{" not in subject + body and "}}" not in subject + body
    template = NoticeTemplate.objects.get(kind=kind)
    for name in template.placeholders():
        assert f"<{name}>" in subject + body


def test_a_template_with_an_empty_placeholder_refuses_to_render(catalogue):
    template = NoticeTemplate.objects.get(kind="ban")
    with pytest.raises(NoticeIncomplete, match="facts"):
        template.render({**FULL, "facts": "  "})


def test_an_unknown_placeholder_is_refused_when_an_admin_saves(catalogue):
    template = NoticeTemplate(kind="warn", subject="Hi", body="Hello {{ nickname }}")
    with pytest.raises(ValidationError, match="nickname"):
        template.full_clean()


def test_an_action_whose_notice_would_have_a_hole_is_not_applied(analyst, claimed):
    case = claimed()
    NoticeTemplate.objects.filter(kind="warn").update(body="You may appeal: {{ outcome }}")
    with pytest.raises(NoticeIncomplete, match="outcome"):
        act(analyst, case, "warn")
    case.refresh_from_db()
    assert case.status == "in_review" and not case.actions.exists() and not Notice.objects.exists()


def test_an_action_without_a_template_is_refused(analyst, claimed):
    case = claimed()
    NoticeTemplate.objects.filter(kind="warn").delete()
    with pytest.raises(ValidationError, match="no notice template"):
        act(analyst, case, "warn")
