"""Errors that services raise and views turn into messages or form errors."""


class ServiceError(Exception):
    """A business rule refused the request; the message is safe to show to the user."""


class NotFound(ServiceError):
    """Not found, or not yours: the same answer either way."""


class ConcurrentEdit(ServiceError):
    def __init__(self, message: str = "This item was changed by someone else. Reload the page and try again."):
        super().__init__(message)


class LoginRefused(ServiceError):
    pass
