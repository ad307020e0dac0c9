"""Domain errors that services and selectors raise. The web layer turns them into answers in
one place each: NotFound and BadCursor in portal.middleware, refusals (ConcurrentEdit,
FieldErrors and any other ServiceError) in portal.views.refusals."""
from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the request; the message is safe to show to the user."""


class NotFound(Exception):
    """Not found, or not yours: the same answer either way (a 404, never a message)."""


class ConcurrentEdit(ServiceError):
    def __init__(self, message: str = "This item was changed by someone else. Reload the page and try again."):
        super().__init__(message)


class FieldErrors(ServiceError):
    """A refusal that blames form fields: a message plus {field: [messages]}.

    `FieldErrors("msg", field="code")` blames one field; `FieldErrors(errors={...})` several."""

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 errors: dict[str, list[str]] | None = None):
        self.errors: dict[str, list[str]] = {name: list(messages) for name, messages in (errors or {}).items()}
        if field is not None and message:
            self.errors.setdefault(field, []).append(message)
        super().__init__(message or "; ".join(m for messages in self.errors.values() for m in messages))

    @property
    def field(self) -> str | None:
        """The one field to blame, when there is exactly one."""
        return next(iter(self.errors)) if len(self.errors) == 1 else None


class LoginRefused(ServiceError):
    pass
