"""Request helpers the view packages share: the client's address, a safe `next` target, downloads."""
import ipaddress

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request) -> str:
    """The address the outermost trusted proxy saw (settings.TRUSTED_PROXY_HOPS). Entries left
    of it in X-Forwarded-For were written by the client and are never believed."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in forwarded if part] + [remote]
    candidate = chain[max(len(chain) - 1 - hops, 0)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a proxy that forwards garbage: fall back to what we can see
        return remote


def safe_next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def zip_attachment(content: bytes, *, filename: str):
    """A zip download: always an attachment, never sniffed, never stored by a cache."""
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
