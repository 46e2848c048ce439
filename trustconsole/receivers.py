"""Sign-in events come from Django's and django-axes' signals: the one place a receiver audits."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from trustconsole.actors import AnonymousActor
from trustconsole.models import AuditAction
from trustconsole.services import record


def _request_context(request):
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def on_login(sender, request, user, **kwargs):
    record(actor=user, action=AuditAction.LOGIN, target=user, context=_request_context(request))


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, target=user, context=_request_context(request))


def _claimed_user(username):
    user = get_user_model().objects.filter(username=username).only("pk").first()
    return ("auth.user", str(user.pk)) if user else ("", "")


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    target_type, target_id = _claimed_user(username)
    record(
        actor=AnonymousActor(username),
        action=AuditAction.LOGIN_FAILED,
        target_type=target_type,
        target_id=target_id,
        context=_request_context(request),
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    target_type, target_id = _claimed_user(username or "")
    record(
        actor=AnonymousActor(username or ""),
        action=AuditAction.LOCKED_OUT,
        target_type=target_type,
        target_id=target_id,
        context=_request_context(request),
    )


def connect():
    user_logged_in.connect(on_login, dispatch_uid="trustconsole-audit-login")
    user_logged_out.connect(on_logout, dispatch_uid="trustconsole-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="trustconsole-audit-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="trustconsole-audit-locked-out")
