"""Destinations: list, create, detail (health, attempt log, actions), edit, enable/disable,
delete, reveal and rotate the secret, send a test event, bulk-retry failed deliveries."""
from datetime import datetime, time, timedelta, timezone

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.permissions import user_can
from portal.dynamo.delivery_status import DeliveryStatus
from portal.forms.destinations import BulkRetryForm, DestinationForm
from portal.selectors import destinations as selectors
from portal.selectors.access import access_destination
from portal.dynamo.destinations import INTEGRATION_TYPES, TYPE_LABELS
from portal.selectors.integrations import fields_seen
from portal.selectors.metrics import site_forms_seen
from portal.selectors.billing.plans import plan_quotas
from portal.selectors.sites import site_list
from portal.services.delivery_setup import deliveries as delivery_services
from portal.services.delivery_setup import destinations as services
from portal.services.delivery_setup import inspector
from portal.errors import NotFound
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.shown_once import keep_secret, recall_secret


@permission_required(perm.VIEW)
def destination_list(request):
    items = selectors.destination_list(tenant_id=request.tenant.id)
    limit = plan_quotas(tenant=request.tenant).max_destinations
    enabled = inspector.inspector_enabled()
    return render(request, "portal/destinations/list.html", {
        "destinations": items, "limit": limit, "can_add": len(items) < limit and user_can(request.portal_user, perm.MANAGE_DESTINATIONS),
        "inspector": enabled, "has_inspector_destination": enabled and any(
            inspector.is_inspector_url(tenant_id=request.tenant.id, url=d.url) for d in items)})


def _routing_choices(request, destination=None, kind: str | None = None) -> dict:
    """The destination form's choices: the tenant's sites and the forms seen on them (and, for
    an integration, the field names seen on those forms, for the mapping)."""
    forms_by_site = site_forms_seen(tenant=request.tenant)
    choices = {"sites": site_list(tenant_id=request.tenant.id), "forms_by_site": forms_by_site,
               "destination": destination, "kind": kind}
    if kind in INTEGRATION_TYPES:
        routed = list((destination.formIds if destination else None) or
                      dict.fromkeys(f for ids in forms_by_site.values() for f in ids))
        choices["fields_seen"] = fields_seen(tenant=request.tenant, form_ids=routed)
    return choices


# The integrations offered on the "Add destination" page, in the order shown.
INTEGRATION_CHOICES = [(kind, TYPE_LABELS[kind]) for kind in INTEGRATION_TYPES]


@permission_required(perm.MANAGE_DESTINATIONS, read=perm.MANAGE_DESTINATIONS)
def destination_create(request):
    kind = request.POST.get("type") if request.method == "POST" else request.GET.get("type")
    kind = kind if kind in INTEGRATION_TYPES else None
    form = DestinationForm(request.POST or None, **_routing_choices(request, kind=kind))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        with refusals_on_form(form):
            destination = services.destination_create(tenant=request.tenant, actor=request.portal_user.email, **data)
            messages.success(request, f"Destination {destination.name} created. Send a test message to check it."
                             if kind else f"Destination {destination.name} created. Reveal its signing secret below.")
            return redirect("portal:destination_detail", destination_id=destination.id)
    return render(request, "portal/destinations/form.html", {"form": form, "creating": True, "kind": kind,
                                                              "kind_label": TYPE_LABELS.get(kind),
                                                              "integrations": INTEGRATION_CHOICES})


@permission_required(perm.VIEW)
def destination_detail(request, destination_id):
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    outcome = request.GET.get("outcome") or None
    attempts = selectors.destination_attempt_log(tenant_id=request.tenant.id, destination_id=destination.id,
                                                 outcome=outcome, cursor=request.GET.get("cursor"))
    failed = selectors.destination_deliveries(tenant_id=request.tenant.id, destination_id=destination.id,
                                              status=DeliveryStatus.FAILED, limit=10)
    today = datetime.now(timezone.utc).date()
    bulk_form = BulkRetryForm(initial={"since": today - timedelta(days=13), "until": today})
    return render(request, "portal/destinations/detail.html", {
        "destination": destination, "attempts": attempts, "page": attempts, "outcome": outcome or "",
        "failed": failed, "bulk_form": bulk_form, "breaker": selectors.destination_breaker(destination=destination),
        "routing_sites": [site.domain for site in site_list(tenant_id=request.tenant.id)
                          if site.id in (destination.siteIds or [])],
        "to_inspector": inspector.inspector_enabled() and inspector.is_inspector_url(tenant_id=request.tenant.id,
                                                                                      url=destination.url),
    })


@permission_required(perm.MANAGE_DESTINATIONS, read=perm.MANAGE_DESTINATIONS)
def destination_edit(request, destination_id):
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    kind = destination.type if destination.is_integration else None
    form = DestinationForm(request.POST or None, initial=DestinationForm.initial_for(destination),
                           **_routing_choices(request, destination, kind=kind))
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            services.destination_update(tenant=request.tenant, actor=request.portal_user.email,
                                        destination=destination, **form.cleaned_data)
            messages.success(request, "Destination saved.")
            return redirect("portal:destination_detail", destination_id=destination.id)
    return render(request, "portal/destinations/form.html", {"form": form, "destination": destination, "kind": kind,
                                                              "kind_label": TYPE_LABELS.get(kind)})


@require_POST
@permission_required(perm.MANAGE_DESTINATIONS)
def destination_inspector_add(request):
    """Development only: one click adds the built-in inspector as a webhook destination."""
    if not inspector.inspector_enabled():
        raise NotFound("The built-in inspector exists in development only.")
    with refusals_as_messages(request):
        destination, created = inspector.inspector_destination_ensure(
            tenant=request.tenant, actor=request.portal_user.email, deleted_counts=False)
        messages.success(request, f"{destination.name} added: new submissions are delivered to it." if created else
                         f"{destination.name} is already one of your destinations.")
        return redirect("portal:destination_detail", destination_id=destination.id)
    return redirect("portal:destination_list")


def _simple_action(service, success: str):
    @require_POST
    @permission_required(perm.MANAGE_DESTINATIONS)
    def view(request, destination_id):
        destination = access_destination(tenant=request.tenant, destination_id=destination_id)
        with refusals_as_messages(request):
            destination = service(tenant=request.tenant, actor=request.portal_user.email, destination=destination)
            messages.success(request, success.format(name=destination.name))
        if not destination.active:
            return redirect("portal:destination_list")
        return redirect("portal:destination_detail", destination_id=destination.id)

    return view


destination_enable = _simple_action(services.destination_enable, "{name} is enabled. New submissions go to it again.")
destination_disable = _simple_action(services.destination_disable, "{name} is disabled. Nothing is sent to it.")
destination_delete = _simple_action(services.destination_delete, "{name} was deleted.")


@never_cache
@permission_required(perm.MANAGE_SECRETS, read=perm.MANAGE_SECRETS)
def destination_secret(request, destination_id):
    """POST reveals the secret (an audited act) and redirects here; GET shows it while this
    session keeps it (shown_once), and otherwise offers to reveal it again."""
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    if request.method == "POST":
        secret = services.destination_secret_reveal(tenant=request.tenant, actor=request.portal_user.email,
                                                    destination=destination)
        keep_secret(request, kind="destination_secret", object_id=destination.id, value=secret)
        return redirect("portal:destination_secret", destination_id=destination.id)
    shown = recall_secret(request, kind="destination_secret", object_id=destination.id)
    return render(request, "portal/destinations/secret.html", {
        "destination": destination, "secret": shown["value"] if shown else None,
        "rotated": bool(shown and shown.get("rotated")), "shown": shown})


@never_cache
@permission_required(perm.MANAGE_SECRETS, read=perm.MANAGE_SECRETS)
def destination_secret_rotate(request, destination_id):
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    if request.method != "POST":  # a reload or Back after rotating: the secret's page
        return redirect("portal:destination_secret", destination_id=destination.id)
    with refusals_as_messages(request):
        secret = services.destination_secret_rotate(tenant=request.tenant, actor=request.portal_user.email,
                                                    destination=destination)
        keep_secret(request, kind="destination_secret", object_id=destination.id, value=secret, rotated=True)
        return redirect("portal:destination_secret", destination_id=destination.id)
    return redirect("portal:destination_detail", destination_id=destination.id)


@require_POST
@permission_required(perm.MANAGE_DESTINATIONS)
def destination_test(request, destination_id):
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    attempt = delivery_services.destination_send_test(tenant=request.tenant, actor=request.portal_user.email,
                                                      destination=destination)
    if attempt.succeeded:
        answer = f" {destination.type_label} answered: {attempt.responseBody[:200]}" if (
            destination.is_integration and attempt.responseBody) else ""
        messages.success(request, f"Test event delivered ({attempt.result_label}, {attempt.durationMs} ms).{answer}")
    else:
        messages.error(request, f"Test event failed: {attempt.error}")
    return redirect("portal:destination_detail", destination_id=destination.id)


@require_POST
@permission_required(perm.RETRY)
def destination_bulk_retry(request, destination_id):
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    form = BulkRetryForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) + [e for f in ("since", "until") for e in form.errors.get(f, [])]:
            messages.error(request, error)
        return redirect("portal:destination_detail", destination_id=destination.id)
    since = datetime.combine(form.cleaned_data["since"], time.min, tzinfo=timezone.utc)
    until = datetime.combine(form.cleaned_data["until"], time.max, tzinfo=timezone.utc)
    with refusals_as_messages(request):
        queued = delivery_services.deliveries_bulk_retry(tenant=request.tenant, actor=request.portal_user.email,
                                                         destination=destination, since=since, until=until)
        messages.success(request, f"{queued} failed deliver{'y' if queued == 1 else 'ies'} queued for retry.")
    return redirect("portal:destination_detail", destination_id=destination.id)
