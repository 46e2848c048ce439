from django import forms

from standards.models import OutreachDecision
from standards.services import MAX_EXTENSION_DAYS, MIN_EXTENSION_DAYS


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=OutreachDecision.choices)
    reason = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(
        required=False,
        min_value=MIN_EXTENSION_DAYS,
        max_value=MAX_EXTENSION_DAYS,
        help_text="For another improvement period only.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
