"""Inviting a team member, giving a teammate a role."""
from django import forms

from portal.permissions import ASSIGNABLE_ROLES, ROLE_LABELS


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    name = forms.CharField(label="Name", max_length=120, required=False)


class TeamRoleForm(forms.Form):
    CHOICES = [(role, ROLE_LABELS[role]) for role in ASSIGNABLE_ROLES]
    role = forms.ChoiceField(choices=CHOICES)
