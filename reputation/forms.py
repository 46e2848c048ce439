"""Forms of the reputation pages. Services validate again; these give the clear messages."""

from django import forms

from reputation.models import MAX_OVERRIDE_DAYS, BadgeTier, OverrideEffect


class OverrideRequestForm(forms.Form):
    tier = forms.ChoiceField(choices=BadgeTier.choices)
    effect = forms.ChoiceField(choices=OverrideEffect.choices)
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(min_value=1, max_value=MAX_OVERRIDE_DAYS, initial=30)
    renews = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RejectOverrideForm(forms.Form):
    reason = forms.CharField(max_length=2000)
