"""`{% load roles %}{% if request.portal_user|can:"retry" %}`: templates ask the role table
(portal/permissions.py) too, so a page never offers what its user would be refused."""
from django import template

from portal.permissions import user_can

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    return user_can(user, action)


@register.filter
def get_item(mapping: dict, key):
    """`{{ names|get_item:site_id }}`: a dictionary lookup by a variable key."""
    return (mapping or {}).get(key)
