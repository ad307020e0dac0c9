"""Template filters of the portal app."""
