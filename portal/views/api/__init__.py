"""The read/action API (/api/v1/... with a tenant API token) and its OpenAPI document."""
