"""Writes of campaigns (discount codes). The code is the business key: unique through a
conditional put, and never changed after creation."""
from __future__ import annotations

import re
from datetime import date

from pynamodb.exceptions import PutError

from portal.dynamo.base import is_condition_failure, save_versioned
from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.errors import FieldErrors
from portal.services.compliance.audit import audit_record
from portal.services.billing.common import staff_set_active, version_check

CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{3,32}$")
CODE_RULE = "3 to 32 characters: letters A-Z, digits, - and _."


class CampaignCodeTaken(FieldErrors):
    def __init__(self, code: str):
        super().__init__(f"A campaign with the code {code} already exists.", field="code")


class CampaignInvalid(FieldErrors):
    """A business rule refused the campaign; `field` names the form field to blame."""


def campaign_code_normalize(code: str) -> str:
    return Campaign.normalize_code(code)


def campaign_public_dict(campaign: Campaign) -> dict:
    return {
        "code": campaign.code, "name": campaign.name, "productId": campaign.productId,
        "discountPercent": int(campaign.discountPercent), "fromDate": campaign.fromDate,
        "toDate": campaign.toDate, "active": campaign.active,
    }


def _validate(*, product_id: str, discount_percent: int, from_date: date, to_date: date) -> None:
    if not 1 <= int(discount_percent) <= 100:
        raise CampaignInvalid("The discount must be between 1 and 100 percent.", field="discount_percent")
    if from_date > to_date:
        raise CampaignInvalid("The campaign must start on or before its end date.", field="to_date")
    product = Product.by_id(product_id)
    if product is None or not product.active:
        raise CampaignInvalid("Choose an active product.", field="product_id")


def campaign_create(*, actor: str, code: str, product_id: str, discount_percent: int, from_date: date,
                    to_date: date, name: str = "") -> Campaign:
    code = campaign_code_normalize(code)
    if not CODE_PATTERN.match(code):
        raise CampaignInvalid(f"The code must be {CODE_RULE}", field="code")
    _validate(product_id=product_id, discount_percent=discount_percent, from_date=from_date, to_date=to_date)
    campaign = Campaign(code=code, name=name.strip(), productId=product_id,
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



def campaign_update(*, actor: str, campaign: Campaign, version: int, name: str, product_id: str,
                    discount_percent: int, from_date: date, to_date: date) -> Campaign:
    """Edit everything but the code (the business key)."""
    version_check(campaign, version)
    _validate(product_id=product_id, discount_percent=discount_percent, from_date=from_date, to_date=to_date)
    before = campaign_public_dict(campaign)
    campaign.name, campaign.productId = name.strip(), product_id
    campaign.discountPercent = int(discount_percent)
    campaign.fromDate, campaign.toDate = from_date.isoformat(), to_date.isoformat()
    campaign.touch(actor)
    save_versioned(campaign)
    audit_record(tenant_id=None, actor=actor, action="campaign.update", target_type="campaign",
                 target_id=campaign.code, before=before, after=campaign_public_dict(campaign), staff=True)
    return campaign


def _campaign_set_active(*, actor: str, campaign: Campaign, version: int | None, active: bool) -> Campaign:
    return staff_set_active(version_check(campaign, version), actor=actor, active=active, target_type="campaign",
                            target_id=campaign.code, public_dict=campaign_public_dict)


def campaign_delete(*, actor: str, campaign: Campaign, version: int | None = None) -> Campaign:
    return _campaign_set_active(actor=actor, campaign=campaign, version=version, active=False)


def campaign_restore(*, actor: str, campaign: Campaign, version: int | None = None) -> Campaign:
    return _campaign_set_active(actor=actor, campaign=campaign, version=version, active=True)
