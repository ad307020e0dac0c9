"""Writes of campaigns (discount codes). The code is the business key."""
from __future__ import annotations

from datetime import date

from pynamodb.exceptions import PutError

from portal.dynamo.campaigns import Campaign
from portal.errors import ServiceError
from portal.services.audit import audit_record
from portal.services.common import is_condition_failure


class CampaignCodeTaken(ServiceError):
    def __init__(self, code: str):
        super().__init__(f"A campaign with the code {code} already exists.")


def campaign_public_dict(campaign: Campaign) -> dict:
    return {
        "code": campaign.code, "name": campaign.name, "productId": campaign.productId,
        "discountPercent": int(campaign.discountPercent), "fromDate": campaign.fromDate,
        "toDate": campaign.toDate, "active": campaign.active,
    }


def campaign_create(*, actor: str, code: str, product_id: str, discount_percent: int, from_date: date,
                    to_date: date, name: str = "") -> Campaign:
    campaign = Campaign(code=code.strip().upper(), name=name, productId=product_id,
                        discountPercent=int(discount_percent), fromDate=from_date.isoformat(),
                        toDate=to_date.isoformat(), lastUpdatedBy=actor)
    try:
        # Conditional put: two staff creating the same code at once get one campaign.
        campaign.save(condition=Campaign.pk.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise CampaignCodeTaken(campaign.code) from error
        raise
    audit_record(tenant_id=None, actor=actor, action="campaign.create", target_type="campaign",
                 target_id=campaign.code, after=campaign_public_dict(campaign), staff=True)
    return campaign
