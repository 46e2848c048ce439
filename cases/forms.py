from django import forms
from django.contrib.auth import get_user_model


class VersionedForm(forms.Form):
    """Every write form carries the case version its page was rendered with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(VersionedForm):
    text = forms.CharField(label="Note", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(VersionedForm):
    reason = forms.CharField(label="Why escalate to leads", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, groups__name__in=["analyst", "lead"]).distinct(),
        to_field_name="username",
        label="Give the case to",
    )


class AccountNoteForm(forms.Form):
    text = forms.CharField(label="Pinned account note", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
