"""API tokens (the read/action API) and notice settings, on the account pages. The POST that
makes a token redirects to its page, which shows it for a few minutes in this session
(portal/views/shown_once.py) and then says it is gone."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.api import ApiTokenForm, ApiTokenRevokeForm, NoticeSettingsForm
from portal.selectors.access import access_api_token
from portal.selectors.api import api_token_list
from portal.services.accounts.api_tokens import api_token_create, api_token_revoke
from portal.services.delivery_setup.notices import KINDS, notice_list, notice_settings_update, notice_webhook_secret, silent_hours
from portal.views.refusals import refusals_on_form
from portal.views.shown_once import SHOWN_FOR, keep_secret, recall_secret


@never_cache
@permission_required(perm.MANAGE_API_TOKENS, read=perm.MANAGE_API_TOKENS)
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            token, raw = api_token_create(tenant=request.tenant, actor=request.portal_user.email,
                                          label=form.cleaned_data["label"], scopes=form.cleaned_data["scopes"])
            keep_secret(request, kind="api_token", object_id=token.id, value=raw)
            return redirect("portal:api_token_created", token_id=token.id)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/account/api_tokens.html",
                  {"form": form, "tokens": api_token_list(tenant_id=request.tenant.id)}, status=status)


@never_cache
@permission_required(perm.MANAGE_API_TOKENS, read=perm.MANAGE_API_TOKENS)
def api_token_created(request, token_id):
    token = access_api_token(tenant=request.tenant, token_id=token_id)
    shown = recall_secret(request, kind="api_token", object_id=token.id)
    return render(request, "portal/account/api_token_created.html", {
        "token": token, "raw_token": shown["value"] if shown else None, "shown": shown,
        "shown_minutes": int(SHOWN_FOR.total_seconds() // 60)})


@permission_required(perm.MANAGE_API_TOKENS, read=perm.MANAGE_API_TOKENS)
def api_token_revoke_view(request):
    form = ApiTokenRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = access_api_token(tenant=request.tenant, token_id=form.cleaned_data["token_id"])
        api_token_revoke(tenant=request.tenant, actor=request.portal_user.email, token=token)
        messages.success(request, f"Token {token.displayPrefix}… revoked. Requests using it now get 401.")
    return redirect("portal:api_tokens")


@permission_required(perm.MANAGE_ACCOUNT, read=perm.MANAGE_ACCOUNT)
def notice_settings(request):
    tenant = request.tenant
    initial = {"version": tenant.version, "kinds": [k for k in KINDS if k not in (tenant.noticesOff or [])],
               "webhook_url": tenant.noticeWebhookUrl or "", "silent_hours": silent_hours(tenant)}
    form = NoticeSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_on_form(form):
            notice_settings_update(tenant=tenant, actor=request.portal_user.email, version=data["version"],
                                   kinds_on=data["kinds"], webhook_url=data["webhook_url"],
                                   hours=data["silent_hours"])
            messages.success(request, "Notice settings saved.")
            return redirect("portal:notice_settings")
    return render(request, "portal/account/notices.html", {
        "form": form, "webhook_secret": notice_webhook_secret(tenant=tenant),
        "notices": notice_list(tenant_id=tenant.id)}, status=400 if request.method == "POST" else 200)
