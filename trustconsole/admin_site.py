from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rq.exceptions import NoSuchJobError


class ConsoleAdminSite(admin.AdminSite):
    site_header = "Trust Console administration"
    site_title = "Trust Console admin"
    index_title = "Reference data, staff and roles"

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        # Django admin sends a signed-in non-staff user back to its login form; the console
        # answers 403 instead, so an analyst who follows a stale link learns why.
        @wraps(view)
        def staff_only(request, *args, **kwargs):
            if request.user.is_authenticated and not request.user.is_staff:
                raise PermissionDenied("Django admin is for the admin role only.")
            try:
                return guarded(request, *args, **kwargs)
            except NoSuchJobError as error:
                # django-rq's job pages crash on an unknown or expired job id; it is a 404.
                raise Http404(str(error)) from error

        return staff_only
