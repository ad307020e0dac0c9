"""The delivery-status vocabulary, defined once: the values stored on delivery rows
(`Delivery.status`) and on submissions (`Submission.deliveryStatus`), the labels the pages
show for them, and how a submission's status follows from its delivery rows. The stored
strings are part of the data: never change a value, only its label."""
from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARTIAL = "partially delivered"  # a submission only: some destinations got it, some never will
    FAILED = "failed"
    NO_DESTINATION = "no destination"  # a submission only: spam, or no destination matched


LABELS = {
    DeliveryStatus.PENDING: "pending",
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.PARTIAL: "partially delivered",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.NO_DESTINATION: "no destination",
}

# Submissions in these states are listed on the StatusIndex (the "needs attention" view).
NEEDS_ATTENTION = (DeliveryStatus.FAILED, DeliveryStatus.PARTIAL)


def status_label(value: str | None) -> str:
    """What the pages show for a stored status (an unknown value as it is)."""
    return LABELS.get(value, value or "")


def status_slug(value: str | None) -> str:
    """The status as a CSS class suffix (`badge-partially-delivered`)."""
    return (value or "").replace(" ", "-")


def submission_status_from(statuses: list[str]) -> DeliveryStatus | None:
    """A submission's status from its delivery rows' statuses (None without rows): pending
    while any row is, delivered or failed when all agree, partially delivered otherwise."""
    if not statuses:
        return None
    if DeliveryStatus.PENDING in statuses:
        return DeliveryStatus.PENDING
    if all(s == DeliveryStatus.DELIVERED for s in statuses):
        return DeliveryStatus.DELIVERED
    if all(s == DeliveryStatus.FAILED for s in statuses):
        return DeliveryStatus.FAILED
    return DeliveryStatus.PARTIAL
