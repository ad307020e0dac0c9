"""Staff console: the console-wide audit trail, and the overview page."""
from django.shortcuts import render

from portal.decorators import staff_required
from portal.selectors import audit as audit_selectors
from portal.selectors.billing.tenants import tenant_status_counts
from portal.selectors.delivery_queue import due_queue_lag


@staff_required
def audit_list(request):
    page = audit_selectors.audit_staff_page(cursor=request.GET.get("cursor"))
    return render(request, "staff/audit/list.html", {"page": page, "subject": "Whole console"})


@staff_required
def overview(request):
    counts = tenant_status_counts()
    return render(request, "staff/home.html", {
        "counts": counts, "total": sum(counts.values()),
        "recent": audit_selectors.audit_staff_page(limit=10),
        "queue": due_queue_lag(),
    })
