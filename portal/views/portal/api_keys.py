"""API keys of a site. The POST that makes a key redirects to the key's page, which shows the
full key for a few minutes in this session (portal/views/shown_once.py: encrypted in the
session, never cached) and then says that it is gone: reload and Back work, the key is never
stored in clear."""
import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.sites import ApiKeyForm
from portal.selectors.access import access_api_key, access_site
from portal.selectors.sites import api_key_list
from portal.services.sites.api_keys import api_key_create, api_key_revoke
from portal.errors import NotFound
from portal.services.sites.wordpress_plugin import CONFIGURED_ZIP_WINDOW, configured_plugin_zip
from portal.views.refusals import refusals_as_messages
from portal.views.shown_once import SHOWN_FOR, keep_secret, recall_secret
from portal.views.utils import zip_attachment

# Ids (never the secrets) of keys this session just created: only they get a configured zip.
FRESH_KEYS_SESSION = "fresh_plugin_keys"


def _remember_fresh_key(request, key_id: str) -> None:
    cutoff = time.time() - CONFIGURED_ZIP_WINDOW.total_seconds()
    fresh = {kid: at for kid, at in request.session.get(FRESH_KEYS_SESSION, {}).items() if at > cutoff}
    fresh[key_id] = time.time()
    request.session[FRESH_KEYS_SESSION] = dict(list(fresh.items())[-5:])  # bounded: the last few keys


@never_cache
@permission_required(perm.MANAGE_KEYS)
def key_create(request, site_id):
    """POST makes a key and redirects to its page; GET (a reload or Back after an old POST)
    goes to the site."""
    site = access_site(tenant=request.tenant, site_id=site_id)
    if request.method != "POST":
        return redirect("portal:site_detail", site_id=site.id)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/sites/detail.html", {
            "site": site, "keys": api_key_list(tenant_id=request.tenant.id, site_id=site.id), "key_form": form},
            status=400)
    with refusals_as_messages(request):
        key, raw_key = api_key_create(tenant=request.tenant, actor=request.portal_user.email, site=site,
                                      label=form.cleaned_data["label"])
        _remember_fresh_key(request, key.id)
        keep_secret(request, kind="api_key", object_id=key.id, value=raw_key)
        return redirect("portal:key_created", site_id=site.id, key_id=key.id)
    return redirect("portal:site_detail", site_id=site.id)


@never_cache
@permission_required(perm.MANAGE_KEYS)
def key_created(request, site_id, key_id):
    """The new key, in full while this session keeps it; afterwards a plain "it is gone"."""
    site = access_site(tenant=request.tenant, site_id=site_id)
    key = access_api_key(tenant=request.tenant, site=site, key_id=key_id)
    shown = recall_secret(request, kind="api_key", object_id=key.id)
    return render(request, "portal/sites/key_created.html", {
        "site": site, "key": key, "raw_key": shown["value"] if shown else None, "shown": shown,
        "shown_minutes": int(SHOWN_FOR.total_seconds() // 60)})


@require_POST
@permission_required(perm.MANAGE_KEYS)
def key_revoke(request, site_id, key_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    key = access_api_key(tenant=request.tenant, site=site, key_id=key_id)
    api_key_revoke(tenant=request.tenant, actor=request.portal_user.email, key=key)
    messages.success(request, f"Key {key.displayPrefix}… revoked. Requests using it now get 401.")
    return redirect("portal:site_detail", site_id=site.id)


@never_cache
@require_POST
@permission_required(perm.MANAGE_KEYS)
def key_plugin_zip(request, site_id, key_id):
    """The plugin zip with the new key inside, offered on the one-time key page only: the page
    posts the key back (it is never stored), the key must be one this session created within
    CONFIGURED_ZIP_WINDOW, and the answer is a no-store attachment."""
    site = access_site(tenant=request.tenant, site_id=site_id)
    key = access_api_key(tenant=request.tenant, site=site, key_id=key_id)
    if key.id not in request.session.get(FRESH_KEYS_SESSION, {}):
        raise NotFound("This download is offered only right after the key was created.")
    archive = configured_plugin_zip(key=key, raw_key=request.POST.get("raw_key", ""), endpoint=settings.SITE_URL)
    return zip_attachment(archive, filename="form-bridge.zip")
