from django import forms
from django.contrib.auth import get_user_model

from cases.models import ActionKind, BulkKind, Protection, QaVerdict
from cases.services.enforcement import ActionRequest
from reputation.models import Capability


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


class ActionForm(VersionedForm):
    """The action form for one kind; fields that do not apply to the kind are dropped."""

    facts = forms.CharField(
        label="Facts (the account reads these)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
    )
    deviation_reason = forms.CharField(
        label="Why not the recommended action",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    content_items = forms.TypedMultipleChoiceField(
        label="Content to remove", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    capabilities = forms.MultipleChoiceField(
        label="Capabilities to restrict",
        choices=Capability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    duration_days = forms.IntegerField(label="Duration in days", min_value=1, max_value=3650, required=False)
    verification_days = forms.IntegerField(label="Days to verify identity", min_value=1, max_value=90, required=False)
    protections = forms.MultipleChoiceField(
        label="Counterparty protections",
        choices=Protection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    internal_note = forms.CharField(
        label="Internal note (staff only)", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    FIELDS_BY_KIND = {
        ActionKind.REMOVE_CONTENT: {"content_items"},
        ActionKind.RESTRICT: {"capabilities", "duration_days", "protections"},
        ActionKind.SUSPEND: {"duration_days", "protections"},
        ActionKind.BAN: {"protections"},
        ActionKind.REQUIRE_VERIFICATION: {"verification_days"},
    }
    OPTIONAL = {"content_items", "capabilities", "duration_days", "verification_days", "protections"}

    def __init__(self, *args, kind, content_choices, recommended, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["content_items"].choices = content_choices
        for name in self.OPTIONAL - self.FIELDS_BY_KIND.get(kind, set()):
            del self.fields[name]
        if kind == recommended:
            del self.fields["deviation_reason"]

    def action_request(self):
        data = self.cleaned_data
        return ActionRequest(
            kind=self.kind,
            facts=data["facts"],
            internal_note=data.get("internal_note", ""),
            deviation_reason=data.get("deviation_reason", ""),
            content_item_ids=data.get("content_items", []),
            capabilities=data.get("capabilities", []),
            duration_days=data.get("duration_days"),
            verification_days=data.get("verification_days"),
            protections=data.get("protections", []),
        )


class DismissForm(VersionedForm):
    reason = forms.CharField(
        label="Why there is no violation", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label="Why (the analyst reads this)", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealFileForm(forms.Form):
    statement = forms.CharField(
        label="The account's appeal, in its words", max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("uphold", "Uphold the action"), ("overturn", "Overturn it")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Reason (the account reads it)", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reopen = forms.BooleanField(label="Reopen the case for a fresh review (when overturning)", required=False)


class CaseIdsField(forms.Field):
    """Case ids ticked in the queue; the bulk service checks each case itself."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value or []
        if not isinstance(values, (list, tuple)) or not all(str(v).isdigit() for v in values):
            raise forms.ValidationError("Case ids are whole numbers.")
        return [int(v) for v in values]


class BulkForm(forms.Form):
    kind = forms.ChoiceField(choices=BulkKind.choices, label="Do")
    scope = forms.ChoiceField(
        choices=[("selected", "the selected cases"), ("matching", "every case matching the filters")],
        initial="selected",
        label="To",
    )
    case = CaseIdsField(required=False)
    reason = forms.CharField(label="Reason", max_length=2000, required=False)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, groups__name__in=["analyst", "lead"]).distinct(),
        to_field_name="username",
        required=False,
        label="Give them to",
    )


class QaVerdictForm(forms.Form):
    verdict = forms.ChoiceField(label="Your decision on this case", choices=QaVerdict.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Why (optional)", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
