"""The delivery-status vocabulary: stored values never change, a submission's status follows
its rows, and pages show labels from the one place."""
from django.template.loader import render_to_string

from portal.dynamo.delivery_status import LABELS, DeliveryStatus, status_label, submission_status_from

D, F, P = DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.PENDING


def test_the_stored_values_are_the_ones_existing_items_carry():
    assert [s.value for s in DeliveryStatus] == [
        "pending", "delivered", "partially delivered", "failed", "no destination"]
    assert set(LABELS) == set(DeliveryStatus)


def test_a_submissions_status_follows_its_delivery_rows():
    assert submission_status_from([]) is None
    assert submission_status_from(["pending", "delivered"]) == P
    assert submission_status_from(["delivered", "delivered"]) == D
    assert submission_status_from(["failed"]) == F
    assert submission_status_from(["delivered", "failed"]) == DeliveryStatus.PARTIAL


def test_the_badge_shows_the_label_with_a_css_class_that_is_one_word():
    html = render_to_string("includes/delivery_status.html", {"status": "partially delivered"})
    assert html.strip() == '<span class="badge badge-partially-delivered">partially delivered</span>'
    assert status_label("something old") == "something old"
