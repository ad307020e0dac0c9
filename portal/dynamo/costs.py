"""costs table: one row per tenant and month (PK TENANT#{tenantId}, SK COST#{YYYY-MM}) with the
consumed capacity recorded for the tenant (`rcu:{table}`, `wcu:{table}`), the bytes ingest
stored (`storedBytes`) and `costRank`, the estimated cost in micro-USD at the prices of each
write (the sort key of the staff page); and one platform row per month (PK PLATFORM) with the
sums of all of them and how many tenants have a row (`tenants`).

Rows change only by ADD, as capacity is recorded (portal.dynamo.connection.metering). The
MonthCostIndex (costMonth -> costRank, sparse: the platform row is not in it) lists a month's
tenants most expensive first, a page at a time."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import BaseModel
from portal.dynamo.metrics import _number, add_clause

TABLE = "costs"
PLATFORM = "PLATFORM"
TENANTS = "tenants"
RANK = "costRank"


class MonthCostIndex(GlobalSecondaryIndex):
    """A month's tenant rows by estimated cost. ALL: a row is a few hundred bytes and the page
    shows every attribute of it."""

    class Meta:
        index_name = "MonthCostIndex"
        projection = AllProjection()

    costMonth = UnicodeAttribute(hash_key=True)
    costRank = NumberAttribute(range_key=True)


class TenantMonthCost(BaseModel):
    """Staff-wide by design (the cost page lists every tenant): read through the functions
    below, never from a tenant's request."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute(null=True)
    month = UnicodeAttribute()
    costMonth = UnicodeAttribute(null=True)
    costRank = NumberAttribute(null=True)

    month_index = MonthCostIndex()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(month: str) -> str:
        return f"COST#{month}"

    @staticmethod
    def month_index_key(month: str) -> str:
        return f"COSTS#{month}"


def _client():
    return TenantMonthCost._get_connection().connection.client


def cost_add(*, tenant_id: str, month: str, amounts: dict[str, float]) -> bool:
    """ADD `amounts` (`rcu:*`, `wcu:*`, `storedBytes`, `costRank`) to the tenant's row of the
    month, creating it; True when this write created it (the platform row counts tenants)."""
    names, values = {"#m": "month"}, {":t": {"S": tenant_id}, ":m": {"S": month},
                                      ":cm": {"S": TenantMonthCost.month_index_key(month)}}
    sets = "SET tenantId = :t, #m = :m, costMonth = :cm"
    if not amounts.get(RANK):  # the index needs a rank from the row's first write on
        sets += f", {RANK} = if_not_exists({RANK}, :zero)"
        values[":zero"] = {"N": "0"}
    answer = _client().update_item(
        TableName=TenantMonthCost.Meta.table_name,
        Key={"pk": {"S": TenantMonthCost.partition_for(tenant_id)}, "sk": {"S": TenantMonthCost.sort_for(month)}},
        UpdateExpression=sets + add_clause(amounts, names, values),
        ExpressionAttributeNames=names, ExpressionAttributeValues=values, ReturnValues="UPDATED_OLD")
    return "month" not in answer.get("Attributes", {})


def platform_cost_add(*, month: str, amounts: dict[str, float]) -> None:
    """ADD the month's platform-wide sums (one UpdateItem for every tenant a flush wrote)."""
    names, values = {"#m": "month"}, {":m": {"S": month}}
    _client().update_item(
        TableName=TenantMonthCost.Meta.table_name,
        Key={"pk": {"S": PLATFORM}, "sk": {"S": TenantMonthCost.sort_for(month)}},
        UpdateExpression="SET #m = :m" + add_clause(amounts, names, values),
        ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def cost_rows_put(*, month: str, rows: dict[str, dict[str, float]]) -> None:
    """Replace the month's tenant rows and its platform row with `rows` (tenant id -> amounts),
    the repair command's rebuild; tenants without amounts are left out."""
    table = TenantMonthCost.Meta.table_name
    total: dict[str, float] = {}
    items = []
    for tenant_id, amounts in rows.items():
        item = {"pk": {"S": TenantMonthCost.partition_for(tenant_id)}, "sk": {"S": TenantMonthCost.sort_for(month)},
                "tenantId": {"S": tenant_id}, "month": {"S": month},
                "costMonth": {"S": TenantMonthCost.month_index_key(month)},
                RANK: {"N": _number(amounts.get(RANK, 0))}}
        item.update({name: {"N": _number(amount)} for name, amount in amounts.items() if amount and name != RANK})
        items.append(item)
        for name, amount in amounts.items():
            total[name] = total.get(name, 0) + amount
    total[TENANTS] = len(rows)
    platform = {"pk": {"S": PLATFORM}, "sk": {"S": TenantMonthCost.sort_for(month)}, "month": {"S": month}}
    platform.update({name: {"N": _number(amount)} for name, amount in total.items() if amount})
    items.append(platform)
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while request:
            request = _client().batch_write_item(RequestItems=request).get("UnprocessedItems") or None


def plain(raw: dict) -> dict[str, float | str]:
    """A row as plain values: numbers as floats (units, bytes, rank), strings as strings."""
    return {name: float(value["N"]) if "N" in value else value["S"]
            for name, value in raw.items() if "N" in value or "S" in value}


def cost_page(*, month: str, start: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Up to `limit` tenant rows (plain) of the month, most expensive first, from `start` (a key from
    the previous page), and the key the next page starts at (None: this was the last page).
    Reads limit + 1 rows, so a list that ends on a full page offers no empty next page."""
    kwargs = {"TableName": TenantMonthCost.Meta.table_name, "IndexName": MonthCostIndex.Meta.index_name,
              "KeyConditionExpression": "costMonth = :cm", "ScanIndexForward": False, "Limit": limit + 1,
              "ExpressionAttributeValues": {":cm": {"S": TenantMonthCost.month_index_key(month)}}}
    if start:
        kwargs["ExclusiveStartKey"] = start
    rows: list[dict] = []
    while len(rows) <= limit:
        page = _client().query(**kwargs)
        rows.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        kwargs["Limit"] = limit + 1 - len(rows)
    if len(rows) <= limit:
        return [plain(raw) for raw in rows], None
    last = rows[limit - 1]
    return [plain(raw) for raw in rows[:limit]], {name: last[name] for name in ("pk", "sk", "costMonth", RANK)}


def cost_get(*, tenant_id: str, month: str) -> dict | None:
    """The tenant's row of the month, plain (None: nothing recorded)."""
    raw = _client().get_item(TableName=TenantMonthCost.Meta.table_name, Key={
        "pk": {"S": TenantMonthCost.partition_for(tenant_id)},
        "sk": {"S": TenantMonthCost.sort_for(month)}}).get("Item")
    return plain(raw) if raw else None


def platform_cost_get(*, month: str) -> dict | None:
    """The platform row of the month, plain (None: nothing recorded)."""
    raw = _client().get_item(TableName=TenantMonthCost.Meta.table_name, Key={
        "pk": {"S": PLATFORM}, "sk": {"S": TenantMonthCost.sort_for(month)}}).get("Item")
    return plain(raw) if raw else None
