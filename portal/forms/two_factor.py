"""Forms of two-factor sign-in: one code field (an authenticator code or a recovery code)."""
from django import forms


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=32, strip=True,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "data-testid": "two-factor-code"}),
    )


class TwoFactorRequireForm(forms.Form):
    required = forms.ChoiceField(choices=[("on", "Require"), ("off", "Do not require")])
