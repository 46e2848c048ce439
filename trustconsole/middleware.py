"""Our own middleware."""

import time

from django.conf import settings


def session_renewal(get_response):
    """Keep an active session alive without writing it on every request.

    A session ends after SESSION_COOKIE_AGE idle seconds. Django can only renew it by saving it on
    every request, which costs every page a database write and a commit; this renews it (by
    marking it changed) at most once per SESSION_RENEW_SECONDS, so the idle limit holds to
    within that much."""

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get("renewed_at", 0) >= settings.SESSION_RENEW_SECONDS:
                session["renewed_at"] = now
        return response

    return middleware
