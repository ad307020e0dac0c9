"""Sign-in and password-change forms for tenant users."""
from django import forms
from django.contrib.auth.password_validation import validate_password


class PortalLoginForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Current password", strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label="New password", strip=False, widget=forms.PasswordInput)
    new_password_again = forms.CharField(label="New password again", strip=False, widget=forms.PasswordInput)

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two passwords do not match.")
        return data


class SetPasswordForm(forms.Form):
    """A new password, twice: invitations and password resets."""

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
