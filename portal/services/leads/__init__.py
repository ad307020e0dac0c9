"""The lead inbox: every submission is a lead with a state, an assignee, flags and notes
(docs/leads.md). rules.py holds the state rules, work.py the changes, notes.py notes and replies."""
