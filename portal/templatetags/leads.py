"""`{% load leads %}{% lead_inbox_link %}`: the navigation's "Assigned to me" with the count of
one's New and Open leads (one small AssigneeIndex read per state)."""
from django import template

from portal.permissions import VIEW_SUBMISSIONS, user_can
from portal.selectors.leads import INBOX_COUNT_CAP, lead_inbox_counts

register = template.Library()


@register.inclusion_tag("portal/leads/_nav.html", takes_context=True)
def lead_inbox_link(context):
    request = context.get("request")
    user = getattr(request, "portal_user", None)
    tenant = getattr(request, "tenant", None)
    if user is None or tenant is None or not user_can(user, VIEW_SUBMISSIONS):
        return {"show": False}
    counts = lead_inbox_counts(tenant=tenant, email=user.email)
    total = sum(counts.values())
    return {"show": True, "count": f"{INBOX_COUNT_CAP - 1}+" if total >= INBOX_COUNT_CAP else total}
