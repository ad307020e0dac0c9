"""Public signup forms: campaign code on the pricing page and checkout."""
from types import SimpleNamespace

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.text import refuse_control_characters


class CampaignCodeForm(forms.Form):
    code = forms.CharField(label="Campaign code", max_length=32, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class CheckoutForm(forms.Form):
    """The price is not a field: the server computes it from the product and the code."""

    product_id = forms.ChoiceField(label="Plan")
    organization = forms.CharField(label="Organization", max_length=120, validators=[refuse_control_characters],
                                   widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    email = forms.EmailField(label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label="Password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label="Password again", strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    campaign_code = forms.CharField(label="Campaign code", max_length=32, required=False,
                                    help_text="Optional. The discount is applied when you place the order.")

    def __init__(self, *args, product_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_id"].choices = product_choices

    def clean_organization(self):
        value = self.cleaned_data["organization"].strip()
        if not value:
            raise ValidationError("Enter your organization's name.")
        return value

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            try:
                validate_password(password, user=SimpleNamespace(email=data.get("email") or ""))
            except ValidationError as error:
                self.add_error("password", error)
        if password and data.get("password_again") and password != data.get("password_again"):
            self.add_error("password_again", "The two passwords do not match.")
        return data
