"""The lead state rules, as plain functions (no storage): which moves are allowed, and what a
move adds to the per-month counters.

New (on arrival) -> Open -> Replied -> Won / Lost / Closed. A lead never goes back to New;
an outcome can be reopened (Open); a reply moves a New or Open lead to Replied and leaves
Replied and the outcomes as they are."""
from __future__ import annotations

from portal.dynamo.leads import CLOSED, COUNTED_STATES, LOST, NEW, OPEN, REPLIED, STATES, WON
from portal.errors import FieldErrors

OUTCOMES = (WON, LOST, CLOSED)
STATE_LABELS = {NEW: "New", OPEN: "Open", REPLIED: "Replied", WON: "Won", LOST: "Lost", CLOSED: "Closed"}
ALLOWED = {
    NEW: {OPEN, REPLIED, WON, LOST, CLOSED},
    OPEN: {REPLIED, WON, LOST, CLOSED},
    REPLIED: {OPEN, WON, LOST, CLOSED},
    WON: {OPEN, LOST, CLOSED},
    LOST: {OPEN, WON, CLOSED},
    CLOSED: {OPEN, WON, LOST},
}


class StateRefused(FieldErrors):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"A {STATE_LABELS.get(current, current)} lead cannot become "
                         f"{STATE_LABELS.get(wanted, wanted)}.", field="state")


def can_move(current: str, wanted: str) -> bool:
    return wanted in ALLOWED.get(current, ())


def next_state(current: str, wanted: str) -> str:
    """`wanted` when the move is allowed; the same state is no move; anything else is refused."""
    if wanted not in STATES:
        raise FieldErrors("Choose a state.", field="state")
    if wanted == current:
        return current
    if not can_move(current, wanted):
        raise StateRefused(current, wanted)
    return wanted


def state_after_reply(current: str) -> str:
    return REPLIED if current in (NEW, OPEN) else current


def counter_moves(before: str, after: str) -> dict[str, int]:
    """What one lead moving from `before` to `after` adds to its month's counters (New is not
    counted: it is what arrived minus the counted states)."""
    if before == after:
        return {}
    moves = {}
    if before in COUNTED_STATES:
        moves[before] = -1
    if after in COUNTED_STATES:
        moves[after] = moves.get(after, 0) + 1
    return moves
