"""A rule simulation: what the current drafts would change, computed by a job before publishing."""

from django.conf import settings
from django.db import models


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Simulation(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=SimulationStatus, default=SimulationStatus.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The drafts as they were simulated; publishing refuses drafts edited since.
    drafts = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Simulation {self.pk} ({self.get_status_display()})"
