"""CAPTCHA verification of browser form posts (issue 10): the providers a site can choose, the
form field each puts its token in, and the server-side check against the provider's
verification API (URLs are settings, so tests point them at a local fake). Every provider
takes a form-encoded POST of `secret`, `response` and `remoteip` and answers JSON with
`success` (reCAPTCHA v3 adds `score`)."""
from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from portal.services.ingest.store import IngestRefused

NONE, TURNSTILE, HCAPTCHA, RECAPTCHA_V2, RECAPTCHA_V3 = "", "turnstile", "hcaptcha", "recaptcha_v2", "recaptcha_v3"


@dataclass(frozen=True)
class Provider:
    code: str
    label: str
    token_field: str  # the form field the provider's widget adds
    url_setting: str  # the setting naming its verification URL
    script: str  # the widget's script for the quick-start snippet
    widget_class: str


PROVIDERS = {p.code: p for p in (
    Provider(TURNSTILE, "Cloudflare Turnstile", "cf-turnstile-response", "CAPTCHA_TURNSTILE_VERIFY_URL",
             "https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile"),
    Provider(HCAPTCHA, "hCaptcha", "h-captcha-response", "CAPTCHA_HCAPTCHA_VERIFY_URL",
             "https://js.hcaptcha.com/1/api.js", "h-captcha"),
    Provider(RECAPTCHA_V2, "Google reCAPTCHA v2 (checkbox)", "g-recaptcha-response", "CAPTCHA_RECAPTCHA_VERIFY_URL",
             "https://www.google.com/recaptcha/api.js", "g-recaptcha"),
    Provider(RECAPTCHA_V3, "Google reCAPTCHA v3 (score)", "g-recaptcha-response", "CAPTCHA_RECAPTCHA_VERIFY_URL",
             "https://www.google.com/recaptcha/api.js", "g-recaptcha"),
)}
CHOICES = [(NONE, "No CAPTCHA")] + [(p.code, p.label) for p in PROVIDERS.values()]
TOKEN_FIELDS = tuple(sorted({p.token_field for p in PROVIDERS.values()}))  # never stored as fields


class CaptchaFailed(IngestRefused):
    """The post's CAPTCHA token is missing or the provider did not confirm it."""


def captcha_verify(*, provider: str, secret: str, token: str | None, ip: str | None, min_score: float = 0.5) -> None:
    """Ask the provider whether `token` is a solved challenge; CaptchaFailed otherwise (also
    when the provider cannot be reached: a check that cannot run does not pass)."""
    spec = PROVIDERS[provider]
    if not token:
        raise CaptchaFailed(f"This form requires a {spec.label} check: the {spec.token_field} field is missing.")
    data = {"secret": secret, "response": token}
    if ip:
        data["remoteip"] = ip
    try:
        answer = requests.post(getattr(settings, spec.url_setting), data=data,
                               timeout=settings.CAPTCHA_TIMEOUT_SECONDS).json()
    except (requests.RequestException, ValueError):
        raise CaptchaFailed(f"The {spec.label} check could not be verified just now; please try again.") from None
    if not isinstance(answer, dict) or answer.get("success") is not True:
        codes = answer.get("error-codes") if isinstance(answer, dict) else None
        raise CaptchaFailed(f"The {spec.label} check failed ({', '.join(map(str, codes or ['not confirmed']))}).")
    if provider == RECAPTCHA_V3:
        score = answer.get("score")
        if not isinstance(score, (int, float)) or score < min_score:
            raise CaptchaFailed(f"The {spec.label} score {score} is below this site's minimum {min_score}.")
