"""Forms of the lead inbox: one lead's change, notes, a reply, bulk actions, settings."""
from django import forms

from portal.dynamo.leads import STATES
from portal.services.leads.notes import BODY_MAX, SUBJECT_MAX
from portal.services.leads.rules import STATE_LABELS
from portal.services.leads.work import ALL_RIGHTS, BULK_ACTIONS, RIGHT_LABELS

STATE_CHOICES = [(state, STATE_LABELS[state]) for state in STATES]


class LeadChangeForm(forms.Form):
    """One change from the lead panel: a state button, the assignee, star or archive. The
    version is the lead as the page showed it (a stale page gets "changed by someone else")."""
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    state = forms.ChoiceField(required=False, choices=[("", "")] + STATE_CHOICES)
    assignee = forms.ChoiceField(required=False, label="Assign to")
    set_assignee = forms.BooleanField(required=False, widget=forms.HiddenInput)
    starred = forms.ChoiceField(required=False, choices=[("", ""), ("1", "star"), ("0", "unstar")])
    archived = forms.ChoiceField(required=False, choices=[("", ""), ("1", "archive"), ("0", "unarchive")])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody")] + [(user.email, user.name or user.email) for user in people]

    def changes(self) -> dict:
        data, changes = self.cleaned_data, {}
        if data.get("state"):
            changes["state"] = data["state"]
        if data.get("set_assignee"):
            changes["assignee"] = data.get("assignee") or None
        if data.get("starred"):
            changes["starred"] = data["starred"] == "1"
        if data.get("archived"):
            changes["archived"] = data["archived"] == "1"
        return changes

    def clean(self):
        data = super().clean()
        if self.is_bound and not self.errors and not self.changes():
            raise forms.ValidationError("Choose a change first.")
        return data


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    note_id = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX, required=False)
    body = forms.CharField(label="Message", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6}))


class BulkForm(forms.Form):
    ids = forms.MultipleChoiceField(required=False)  # the ids on the page; the service re-checks each
    action = forms.ChoiceField(choices=[("", "Choose an action")] + [(a, a) for a in BULK_ACTIONS])
    state = forms.ChoiceField(required=False, choices=[("", "")] + STATE_CHOICES)
    assignee = forms.CharField(required=False, max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(value, value) for value in (self.data.getlist("ids") if self.is_bound else [])]


class LeadEmailForm(forms.Form):
    lead_emails = forms.BooleanField(required=False, label="E-mail me when a lead is assigned to me")


class ClientRightsForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    rights = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[(right, RIGHT_LABELS[right].capitalize()) for right in ALL_RIGHTS])
