"""The tenant's dashboard: the 30-day summary built from the metrics day items."""
from django.shortcuts import render

from portal import permissions as perm
from portal.decorators import permission_required
from portal.selectors.metrics import dashboard_summary
from portal.services.delivery_setup.inspector import inspector_enabled


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def home(request):
    """The dashboard: 30 days of counters from the metrics table."""
    summary = dashboard_summary(tenant=request.tenant)
    return render(request, "portal/dashboard.html", {
        "tenant": request.tenant, "portal_user": request.portal_user, "summary": summary,
        "inspector": inspector_enabled()})
