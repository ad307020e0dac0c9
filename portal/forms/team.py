"""Inviting a team member."""
from django import forms


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    name = forms.CharField(label="Name", max_length=120, required=False)
