"""What the submissions pages show of the lead inbox (the panel on a submission, the counts
and bulk actions on the list), kept apart so those views stay one call each."""
from portal.dynamo.leads import STATES
from portal.forms.leads import LeadChangeForm, NoteForm
from portal.selectors.leads import lead_assignable, lead_notes, lead_state_totals
from portal.services.leads.notes import EDIT_WINDOW, lead_reply_address
from portal.services.leads.rules import ALLOWED, STATE_LABELS
from portal.services.leads.work import BULK_MAX, RIGHT_NOTES, RIGHT_REPLY, RIGHT_STATE, lead_rights
from portal.dynamo.base import utcnow


def duration_words(seconds) -> str:
    """`15 seconds`, `2 hours 5 minutes`, `3 days 4 hours`: a delay as a person says it."""
    seconds = int(seconds or 0)
    parts = [(seconds // 86400, "day"), (seconds % 86400 // 3600, "hour"), (seconds % 3600 // 60, "minute")]
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words[:2])


def lead_detail_context(request, submission) -> dict:
    rights = lead_rights(request.portal_user)
    people = lead_assignable(tenant=request.tenant, site_id=submission.siteId)
    names = {user.email: user.name or user.email for user in people}
    now = utcnow()
    notes = [{"note": note, "editable": note.author == request.portal_user.email and note.kind == "note"
              and now - note.createdAt <= EDIT_WINDOW and RIGHT_NOTES in rights}
             for note in lead_notes(tenant=request.tenant, submission=submission)]
    return {
        "lead_state_label": STATE_LABELS[submission.lead_state],
        "lead_first_response": duration_words(submission.firstResponseSeconds)
        if submission.firstResponseSeconds is not None else None,
        "lead_moves": [(state, STATE_LABELS[state]) for state in STATES if state in ALLOWED[submission.lead_state]],
        "lead_assignee_name": names.get(submission.assignee, submission.assignee),
        "lead_change_form": LeadChangeForm(initial={"version": submission.lead_version,
                                                    "assignee": submission.assignee or ""}, people=people),
        "lead_note_form": NoteForm(),
        "lead_notes": notes,
        "lead_can_change": RIGHT_STATE in rights, "lead_can_note": RIGHT_NOTES in rights,
        "lead_can_reply": RIGHT_REPLY in rights and bool(lead_reply_address(submission)),
    }


def lead_list_context(request) -> dict:
    totals = lead_state_totals(tenant=request.tenant)
    return {"lead_totals": [(state, STATE_LABELS[state], totals[state]) for state in STATES],
            "lead_state_labels": STATE_LABELS, "lead_can_bulk": RIGHT_STATE in lead_rights(request.portal_user),
            "lead_bulk_max": BULK_MAX, "lead_states": [(s, STATE_LABELS[s]) for s in STATES if s != "NEW"],
            "lead_people": lead_assignable(tenant=request.tenant, site_id=None)
            if request.portal_user.role != "CLIENT" else []}
