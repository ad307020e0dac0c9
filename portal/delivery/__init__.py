"""Delivery: the worker loop (worker), leases on delivery rows (claim), one attempt from
claim to record (attempt), sending over a destination's channel (send) with Standard Webhooks
signing (signing), the guarded HTTP sender (sender) and the payloads (payloads), the retry
schedule (schedule), destination health (health) and a submission's delivery status (status)."""
