from django.shortcuts import render

from portal.decorators import tenant_required


@tenant_required
def home(request):
    return render(request, "portal/home.html", {"tenant": request.tenant, "portal_user": request.portal_user})
