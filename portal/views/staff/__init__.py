"""Staff console views (Django is_staff accounts only)."""
