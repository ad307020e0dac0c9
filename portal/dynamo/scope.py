"""The one way to read a tenant-owned table: a scope bound to one tenant that checks every
item it returns (DESIGN section 5). TenantOwnedModel.in_tenant(tenant_id) builds it.

A scope may also carry the sites a role is limited to (a CLIENT's): then an item of a table
with a `siteId` (submissions) outside them is treated exactly like another tenant's item:
get answers DoesNotExist, query and batch_get leave it out."""
from __future__ import annotations

from typing import Iterator

from pynamodb.models import Model


class TenantScope:
    """Reads and creates items of one tenant-owned model for one tenant."""

    def __init__(self, model: type[Model], tenant_id: str, site_ids=None):
        self.model = model
        self.tenant_id = tenant_id
        # None: every site of the tenant; a set (maybe empty): only these sites' items.
        self.site_ids = None if site_ids is None or "siteId" not in model.get_attributes() else frozenset(site_ids)

    def _owns(self, item) -> bool:
        return item.tenantId == self.tenant_id and (self.site_ids is None or item.siteId in self.site_ids)

    def get(self, hash_key, range_key=None, **kwargs):
        """The item, or Model.DoesNotExist for "not found" and "not yours" alike."""
        item = self.model._unscoped_get(hash_key, range_key, **kwargs)
        if not self._owns(item):
            raise self.model.DoesNotExist()
        return item

    def get_or_none(self, hash_key, range_key=None, **kwargs):
        try:
            return self.get(hash_key, range_key, **kwargs)
        except self.model.DoesNotExist:
            return None

    def query(self, hash_key, range_key_condition=None, filter_condition=None, index=None, **kwargs) -> Iterator:
        """Query the table or one of its indexes; a server-side filter on tenantId guarantees
        no other tenant's item is ever returned, whatever key the caller built."""
        own = self.model.tenantId == self.tenant_id
        if self.site_ids is not None:
            if not self.site_ids:
                return iter(())
            filter_condition = self._site_condition() if filter_condition is None else (
                filter_condition & self._site_condition())
        if index is not None:
            kwargs["index_name"] = index.Meta.index_name
            if index._hash_key_attribute().attr_name == "tenantId":
                # DynamoDB refuses a filter on an index key: the key condition scopes instead,
                # and another tenant's id as the key finds nothing.
                if hash_key != self.tenant_id:
                    return iter(())
                own = None
        condition = own if filter_condition is None else (filter_condition if own is None else own & filter_condition)
        return self.model._unscoped_query(
            hash_key, range_key_condition=range_key_condition, filter_condition=condition, **kwargs
        )

    def batch_get(self, keys, **kwargs) -> Iterator:
        """BatchGetItem of (hash, range) keys (any number: PynamoDB pages by 100 and retries
        unprocessed keys). Missing items and other tenants' items are left out alike; the
        order is DynamoDB's, not the keys'."""
        for item in Model.batch_get.__func__(self.model, keys, **kwargs):
            if self._owns(item):
                yield item

    def _site_condition(self):
        return self.model.siteId.is_in(*sorted(self.site_ids))

    def new(self, **attributes):
        return self.model(tenantId=self.tenant_id, **attributes)
