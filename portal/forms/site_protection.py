"""The site protection form: CAPTCHA provider and keys, reCAPTCHA v3 minimum score, daily cap."""
from django import forms
from django.conf import settings

from portal.services.ingest.captcha import CHOICES


class SiteProtectionForm(forms.Form):
    captcha_provider = forms.ChoiceField(choices=CHOICES, required=False, label="CAPTCHA on browser posts",
                                         help_text="Checked on our server with the provider before a post is stored.")
    captcha_site_key = forms.CharField(max_length=200, required=False, label="Site key",
                                       help_text="The public key from the provider's dashboard (goes into your page).")
    captcha_secret = forms.CharField(max_length=200, required=False, label="Secret key",
                                     widget=forms.PasswordInput(render_value=False),
                                     help_text="Stored encrypted and never shown again; leave blank to keep the current one.")
    captcha_min_score = forms.FloatField(min_value=0.0, max_value=1.0, initial=0.5, required=False,
                                         label="Minimum score (reCAPTCHA v3)",
                                         help_text="0.0 (likely a bot) to 1.0 (likely a person); lower scores are refused.")
    browser_daily_cap = forms.IntegerField(min_value=0, max_value=1_000_000, required=False,
                                           label="Browser posts per day",
                                           help_text=f"At most this many browser posts per day (UTC) count against your "
                                                     f"monthly quota; later ones are refused. Blank: "
                                                     f"{settings.INGEST_BROWSER_DAILY_CAP}.")

    @classmethod
    def for_site(cls, site, data=None):
        return cls(data, initial={"captcha_provider": site.captchaProvider, "captcha_site_key": site.captchaSiteKey,
                                  "captcha_min_score": float(site.captchaMinScore),
                                  "browser_daily_cap": None if site.browserDailyCap is None else int(site.browserDailyCap)})

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"captcha_provider": data["captcha_provider"] or "", "captcha_site_key": data["captcha_site_key"] or "",
                "captcha_secret": data["captcha_secret"] or "",
                "captcha_min_score": 0.5 if data["captcha_min_score"] is None else data["captcha_min_score"],
                "browser_daily_cap": data["browser_daily_cap"]}
