"""Day counters, on moto: ingest and delivery outcomes go through one builder, so they land
on the same day item (one day-key format) and read back together."""
from datetime import datetime, timezone

from portal.dynamo.metrics import (
    counter_update_action,
    counters_add,
    day_counts_between,
    day_key,
    delivery_counts,
    ingest_counts,
)

LATE = datetime(2030, 3, 14, 23, 59, 59, tzinfo=timezone.utc)


def test_the_day_key_is_the_utc_iso_date_for_dates_and_datetimes():
    assert day_key(LATE) == day_key(LATE.date()) == "2030-03-14"


def test_one_builder_writes_every_counter_of_the_day_item():
    action = counter_update_action(tenant_id="t1", at=LATE, shard=2, counts=delivery_counts(delivered=False))
    assert action["Update"]["Key"]["sk"] == {"S": "METRICS#DAY#2030-03-14#2"}
    assert action["Update"]["ExpressionAttributeNames"]["#c0"] == "failed"


def test_ingest_and_delivery_counters_land_on_the_same_day_item(moto_ddb):
    counters_add(tenant_id="t1", at=LATE, shard=0, counts=ingest_counts(form_id="contact", hour=LATE.hour, spam=False))
    counters_add(tenant_id="t1", at=LATE, shard=0, counts=delivery_counts(delivered=True))
    counters_add(tenant_id="t1", at=LATE, shard=0, counts=delivery_counts(delivered=False))
    (day,) = day_counts_between(tenant_id="t1", first_day="2030-03-14", last_day="2030-03-14").values()
    assert (day.day, day.submissions, day.delivered, day.failed) == ("2030-03-14", 1, 1, 1)
    assert (day.forms, day.hours) == ({"contact": 1}, {"23": 1})


def test_a_sharded_tenants_delivery_counters_are_summed_on_read(moto_ddb):
    for shard in (0, 1, 2):
        counters_add(tenant_id="t2", at=LATE, shard=shard, counts=delivery_counts(delivered=True))
    days = day_counts_between(tenant_id="t2", first_day="2030-03-14", last_day="2030-03-14")
    assert days["2030-03-14"].delivered == 3
