"""Inviting a team member, giving a teammate a role."""
from django import forms

from portal.dynamo.users import MEMBER
from portal.permissions import ASSIGNABLE_ROLES, ROLE_LABELS

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ASSIGNABLE_ROLES]


class _SiteChoices(forms.Form):
    site_ids = forms.MultipleChoiceField(label="Sites (clients only)", required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="A client sees the submissions of these sites only.")

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site_ids"].choices = [(site.id, site.domain) for site in sites]


class TeamInviteForm(_SiteChoices):
    email = forms.EmailField(label="E-mail", max_length=254)
    name = forms.CharField(label="Name", max_length=120, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=MEMBER, required=False)
    field_order = ["email", "name", "role", "site_ids"]

    def clean_role(self):
        return self.cleaned_data["role"] or MEMBER


class TeamRoleForm(_SiteChoices):
    CHOICES = ROLE_CHOICES
    role = forms.ChoiceField(choices=CHOICES)
