"""{{ text|markdown }} and {{ text|markdown_inline }}: our own Markdown rendered on the server
(raw HTML in it is escaped, so the result is safe to mark safe)."""
from django import template
from django.utils.safestring import mark_safe

from portal.text import markdown_html

register = template.Library()


@register.filter
def markdown(text):
    return mark_safe(markdown_html(str(text or "")))


@register.filter
def markdown_inline(text):
    return mark_safe(markdown_html(str(text or ""), inline=True))
