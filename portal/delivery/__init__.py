"""Delivery engine: Standard Webhooks signing, the guarded HTTP sender, the retry schedule
and the worker loop."""
