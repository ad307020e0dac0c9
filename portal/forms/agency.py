"""Forms of the agency pages: privacy requests and the brand."""
from django import forms

from portal.text import email_normalise


class PrivacyEmailForm(forms.Form):
    email = forms.CharField(label="E-mail address", max_length=254,
                            help_text="Exact address, any case: every submission it sent, on every site.")

    def clean_email(self):
        value = email_normalise(self.cleaned_data["email"])
        if not value:
            raise forms.ValidationError("Enter one e-mail address, like ada@example.com.")
        return value


class PrivacyEraseForm(PrivacyEmailForm):
    confirm = forms.BooleanField(label="I understand these submissions are erased for good and cannot be restored.")


class BrandingForm(forms.Form):
    brand_name = forms.CharField(label="Agency name", max_length=80, required=False,
                                 help_text="Shown to your clients in the portal and as the sender of notification "
                                           "e-mails. Empty: your organization's name.")
    logo = forms.FileField(label="Logo", required=False,
                           help_text="PNG, JPEG, GIF or WebP, at most 200 KB. Shown in the portal's top bar and in "
                                     "notification e-mails.")
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
