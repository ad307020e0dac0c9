from django import forms
from django.contrib.auth.password_validation import validate_password


class ProfileForm(forms.Form):
    # Hidden fields' errors are not shown next to a field: a missing or broken version is
    # reported as a form error instead (see clean).
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    organization = forms.CharField(label="Organization", max_length=120)
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


class SetPasswordForm(forms.Form):
    password = forms.CharField(label="New password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label="New password again", strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords do not match.")
        return data
