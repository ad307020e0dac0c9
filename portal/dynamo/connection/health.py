"""Recognise "the DynamoDB endpoint is not answering" anywhere in an exception chain."""
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError


def endpoint_unreachable(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
            return True
        error = error.__cause__ or error.__context__
    return False
