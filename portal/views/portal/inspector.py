"""The development webhook inspector (DEBUG only; 404 otherwise): the receiver the demo
destination posts to, and the tenant page listing what it received."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from portal import permissions as perm
from portal.decorators import permission_required
from portal.selectors.inspector import inspector_requests
from portal.services.delivery_setup import inspector as services
from portal.services.accounts.auth import portal_user_from_session

PRIVATE_HEADERS = {"cookie"}  # never kept, should a browser post here


def debug_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.inspector_enabled():
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt  # webhooks carry no CSRF token; the signature is what is checked
@debug_only
def inspector_receive(request, token):
    """POST: keep the request and answer like a careful receiver (401 when the signature does
    not verify). GET: the destination URL opened in a browser leads its owner to the page."""
    if request.method == "POST":
        headers = {k: v for k, v in request.headers.items() if k.lower() not in PRIVATE_HEADERS}
        item = services.inspector_receive(token=token, headers=headers, body=request.body)
        return JsonResponse({"received": item.seq, "signature": item.signature, "detail": item.signatureDetail},
                            status=200 if item.signature == "valid" else 401)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    found = portal_user_from_session(request.session)
    if found is None:
        return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
    if services.inspector_tenant_id(token=token) != found[1].id:
        raise Http404()  # another tenant's inspector, or no inspector at all
    return redirect("portal:inspector")


@debug_only
@permission_required(perm.VIEW)
@require_GET
def inspector(request):
    return render(request, "portal/inspector.html", {
        "requests": inspector_requests(tenant_id=request.tenant.id),
        "inspector_url": services.inspector_url(tenant_id=request.tenant.id),
    })
