"""The add-a-site form; the domain is normalised by the sites service's rules."""
from django import forms

from portal.services.sites.sites import InvalidDomain, normalise_domain


class SiteForm(forms.Form):
    domain = forms.CharField(max_length=300, help_text="For example example.com (a pasted URL is fine: we keep the domain).",
                             widget=forms.TextInput(attrs={"placeholder": "example.com", "autocapitalize": "none"}))
    name = forms.CharField(max_length=100, required=False, help_text="Optional; defaults to the domain.")

    def clean_domain(self):
        try:
            return normalise_domain(self.cleaned_data["domain"])
        except InvalidDomain as error:
            raise forms.ValidationError(str(error)) from None


class ApiKeyForm(forms.Form):
    label = forms.CharField(max_length=100, required=False, help_text="Where the key is used, e.g. \"WordPress plugin\".")
