"""Delivery statuses in templates: the label and CSS class come from the one vocabulary
(portal.dynamo.delivery_status), so no template spells a status itself.
Use through includes/delivery_status.html."""
from django import template

from portal.dynamo.delivery_status import status_label, status_slug

register = template.Library()
register.filter("delivery_status_label", status_label)
register.filter("delivery_status_slug", status_slug)
