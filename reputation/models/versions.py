"""Rules and parameters that admins edit as drafts and publish as numbered versions.

A draft has no version. Publishing one (a service, audited) gives it the next number and freezes
it; what is published is never edited again, so every snapshot and badge names the rules it came
from. At most one draft of a kind exists at a time, so the simulator always knows what to try.
"""

from django.conf import settings
from django.db import models


class VersionedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(version__isnull=False)

    def drafts(self):
        return self.filter(version__isnull=True)


class Versioned(models.Model):
    version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    note = models.CharField(max_length=300, blank=True, help_text="What this version changes, and why.")
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_draft(self):
        return self.version is None

    def version_label(self):
        return "draft" if self.is_draft else f"v{self.version}"
