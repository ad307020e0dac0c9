"""An invited user (a staff-created tenant's owner, or a team member) sets a password from the
e-mailed link."""
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from portal.services.billing.tenants import invitation_accept, invitation_user
from portal.views.public.password_links import LinkPage, set_password_from_link

INVITATION = LinkPage(
    find_user=invitation_user, spend=invitation_accept, base_template="base.html",
    heading="Set your password", note="",
    invalid_heading="Invitation link not valid",
    invalid_hint="If you have already set your password, sign in; otherwise ask for a new invitation.",
    invalid_action_url=reverse_lazy("portal:login"), invalid_action_label="Sign in",
    done_message="Your password is set. Sign in to continue.",
    url_name="invite:accept",
)


@never_cache
def invitation_accept_view(request, token):
    return set_password_from_link(request, token, INVITATION)
