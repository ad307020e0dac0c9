"""Numbers, sizes and times the way people read them: "20,000", "1.2 MB", "3 minutes ago"
with the exact UTC time on hover. Django's humanize does the wording."""
from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

register = template.Library()


@register.filter
def number(value):
    """20000 → "20,000" (None stays empty)."""
    if value is None or value == "":
        return ""
    return intcomma(value, use_l10n=False)


@register.filter
def size(value):
    return filesizeformat(value)


@register.filter
def when(value):
    """A <time> saying how long ago (or how soon), the exact UTC time as its title."""
    if not isinstance(value, datetime):
        return value if value else "—"
    exact = value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, naturaltime(value))


@register.filter
def status_meaning(status):
    """A tenant status in words (UNVALIDATED → "Signed up; the e-mail address is not confirmed
    yet ..."); other values give nothing."""
    from portal.dynamo.tenants import STATUS_MEANINGS

    return STATUS_MEANINGS.get(str(status), "")


@register.filter
def megabytes(value):
    """A quota in MB as people say it: 25 → "25.0 MB", 1024 → "1.0 GB"."""
    if value in (None, ""):
        return ""
    return filesizeformat(int(value) * 1024 * 1024)
