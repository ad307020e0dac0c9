"""The tenant's profile form (versioned, so a stale form is refused)."""
from django import forms

from portal.text import refuse_control_characters


class ProfileForm(forms.Form):
    # Hidden fields' errors are not shown next to a field: a missing or broken version is
    # reported as a form error instead (see clean).
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    organization = forms.CharField(label="Organization", max_length=120, validators=[refuse_control_characters])
    destination_email = forms.EmailField(
        label="Destination e-mail", max_length=254, required=False,
        help_text="Where e-mail notifications about your submissions go. Empty: your account e-mail.")

    def clean_organization(self):
        value = self.cleaned_data["organization"].strip()
        if not value:
            raise forms.ValidationError("Enter your organization's name.")
        return value

    def clean(self):
        data = super().clean()
        try:
            data["version"] = int(data.get("version") or "")
        except ValueError:
            raise forms.ValidationError("This form is out of date. Reload the page and try again.") from None
        return data


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
