"""Reads of campaigns, with their state and discounted price computed on read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from portal.dynamo.base import active_key, utcnow
from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.selectors.pagination import Page, query_page
from portal.selectors.billing.products import products_by_id

STAFF = "staff"
SCHEDULED, LIVE, EXPIRED, DELETED = "scheduled", "live", "expired", "deleted"
CENT = Decimal("0.01")


def discounted_price(*, price: Decimal, discount_percent: int) -> Decimal:
    """The price after the discount, rounded half up to the cent, in Decimal throughout."""
    factor = (Decimal(100) - Decimal(int(discount_percent))) / Decimal(100)
    return (Decimal(price) * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def campaign_state(*, campaign: Campaign, today: date) -> str:
    if not campaign.active:
        return DELETED
    day = today.isoformat()
    if day < campaign.fromDate:
        return SCHEDULED
    if day > campaign.toDate:
        return EXPIRED
    return LIVE


@dataclass
class CampaignView:
    campaign: Campaign
    product: Product | None
    state: str
    discounted_price: Decimal | None

    @property
    def code(self) -> str:
        return self.campaign.code


def _today(today: date | None) -> date:
    return today or utcnow().date()


def campaign_views(campaigns: list[Campaign], *, today: date | None = None) -> list[CampaignView]:
    products = products_by_id(product_ids={c.productId for c in campaigns})
    day = _today(today)
    views = []
    for campaign in campaigns:
        product = products.get(campaign.productId)
        price = discounted_price(price=product.price, discount_percent=campaign.discountPercent) if product else None
        views.append(CampaignView(campaign=campaign, product=product, state=campaign_state(campaign=campaign, today=day),
                                  discounted_price=price))
    return views


def campaign_get_or_none(*, code: str) -> Campaign | None:
    """The campaign (deleted or not), or None; views use selectors.access.access_campaign."""
    return Campaign.by_code(code)


def campaign_view(*, campaign: Campaign, today: date | None = None) -> CampaignView:
    return campaign_views([campaign], today=today)[0]


def _views_page(page: Page, today: date | None) -> Page[CampaignView]:
    page.items = campaign_views(page.items, today=today)
    return page


def campaign_list_live(*, cursor: str | None = None, today: date | None = None, limit: int = 25) -> Page[CampaignView]:
    """Campaigns running today: active, started (CampaignActiveIndex range on fromDate), not ended."""
    day = _today(today).isoformat()
    page = query_page(
        lambda **kw: Campaign.active_status_index.query(
            active_key(True), Campaign.fromDate <= day, filter_condition=Campaign.toDate >= day,
            scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name="campaigns:live", limit=limit, query_params={"show": "live"},
    )
    return _views_page(page, today)


def campaign_list(*, active: bool = True, cursor: str | None = None, today: date | None = None,
                  limit: int = 25) -> Page[CampaignView]:
    """Every active (or every deleted) campaign, latest start first (CampaignActiveIndex)."""
    page = query_page(
        lambda **kw: Campaign.active_status_index.query(active_key(active), scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"campaigns:{active_key(active)}", limit=limit,
        query_params={"show": "all" if active else "deleted"},
    )
    return _views_page(page, today)


def campaign_list_for_product(*, product_id: str, cursor: str | None = None, today: date | None = None,
                              limit: int = 25) -> Page[CampaignView]:
    """The campaigns of one product, deleted ones included, latest start first (CampaignProductIndex)."""
    page = query_page(
        lambda **kw: Campaign.product_index.query(product_id, scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"campaigns:product:{product_id}", limit=limit,
        query_params={"product": product_id},
    )
    return _views_page(page, today)
