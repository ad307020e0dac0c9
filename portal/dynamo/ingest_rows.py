"""The Put that adds a new delivery row to the ingest transaction, without the
DestinationIndex keys (destKey, destStatusSort).

That index is read for a destination's failed rows and its attempt log only
(portal.selectors.destinations); nothing lists a destination's never-attempted rows. A row
enters the index at its first outcome, when the delivery engine saves it (Delivery.save sets
the keys). Leaving them off at ingest saves a transactional index write: 2 write units per
destination per ingest."""
from __future__ import annotations

from portal.dynamo.deliveries import Delivery

# Attribute names as stored: the DestinationIndex's hash and range keys.
DEFERRED_INDEX_KEYS = (Delivery.destKey.attr_name, Delivery.destStatusSort.attr_name)


def delivery_ingest_put_action(row: Delivery) -> dict:
    """row.put_action() (a Put of a new row at version 1, failing if it exists) minus the keys
    of the index nothing reads for a pending row."""
    action = row.put_action()
    for name in DEFERRED_INDEX_KEYS:
        action["Put"]["Item"].pop(name, None)
    return action
