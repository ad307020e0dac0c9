"""DynamoDB lives in portal/dynamo/ and nowhere else (issue 9, section 1). Outside dynamo/,
no module spells a key prefix, builds a wire-format attribute value, imports botocore, or
calls the low-level ways around the tenant scope guard; the table modules offer helpers
(`Product.by_id`, `put_action()`, `transact(...)`, ...) instead."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
DATA_LAYER = PORTAL / "dynamo"

KEY_PREFIXES = ("TENANT", "SUB", "DEST", "DUE", "THROTTLE", "SESSION", "KEY", "DOMAIN", "USER", "EMAIL", "PRODUCT",
                "CAMPAIGN", "AUDIT", "METRICS", "ORDER", "IDEMPOTENCY", "RATE", "FORM", "STATUS", "DELIVERY",
                "ATTEMPT")
KEY_STRING = re.compile(r"(?<![A-Za-z0-9_])(?:%s)#" % "|".join(KEY_PREFIXES))
SORT_KEYS = {"METADATA"}
LOW_LEVEL_MODULES = ("botocore", "boto3")
# Calls that skip the tenant scope guard, the version check or PynamoDB's models altogether.
LOW_LEVEL_CALLS = {"_get_connection", "refresh", "batch_write", "from_raw_data", "transact_write_items",
                   "batch_write_item", "client", "_unscoped_get", "_unscoped_query", "_unscoped_scan"}
KEY_PARSING = {"split", "rsplit", "partition", "rpartition"}
WIRE_TYPES = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def layering_violations(source: str, filename: str = "<module>") -> list[str]:
    """Every place in one module's source that reaches below the data layer."""
    tree = ast.parse(source, filename)
    docstrings = _docstrings(tree)
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if KEY_STRING.search(node.value) or node.value in SORT_KEYS:
                report(node, f"key string {node.value!r}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LOW_LEVEL_MODULES:
                    report(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in LOW_LEVEL_MODULES:
                report(node, f"imports from {node.module}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in LOW_LEVEL_CALLS:
                report(node, f"calls .{node.func.attr}()")
            elif node.func.attr in KEY_PARSING and any(isinstance(a, ast.Constant) and a.value == "#" for a in node.args):
                report(node, f"parses a key with .{node.func.attr}('#')")
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in WIRE_TYPES and len(node.keys) == 1:
                    report(node, f"wire-format attribute value {{{key.value!r}: ...}}")
    return found


def test_no_module_outside_dynamo_reaches_below_the_data_layer():
    violations = []
    for path in sorted(PORTAL.rglob("*.py")):
        if DATA_LAYER in path.parents:
            continue
        violations += layering_violations(path.read_text(), str(path.relative_to(PORTAL.parent)))
    assert violations == []


def test_the_check_reports_each_kind_of_violation():
    source = '''
"""A docstring may describe keys like TENANT#{id} and METADATA."""
import botocore.exceptions
from botocore.exceptions import ClientError
from portal.dynamo.products import Product


def leak(tenant_id, submission):
    """So may a function's docstring: SUB#{id}."""
    Product.get(f"PRODUCT#{tenant_id}", "METADATA")
    Product._get_connection().connection.client.query()
    submission.refresh()
    shard = int(submission.pk.rsplit("#", 1)[1])
    Product.batch_write()
    Product.from_raw_data({})
    Product.client()
    return {"pk": {"S": f"THROTTLE#{tenant_id}"}}
'''
    found = layering_violations(source, "fake.py")
    for expected in ["fake.py:3: imports botocore.exceptions", "fake.py:4: imports from botocore.exceptions",
                     "fake.py:10: key string 'PRODUCT#'", "fake.py:10: key string 'METADATA'",
                     "fake.py:11: calls ._get_connection()", "fake.py:12: calls .refresh()",
                     "fake.py:13: parses a key with .rsplit('#')",
                     "fake.py:14: calls .batch_write()", "fake.py:15: calls .from_raw_data()",
                     "fake.py:16: calls .client()", "fake.py:17: key string 'THROTTLE#'",
                     "fake.py:17: wire-format attribute value {'S': ...}"]:
        assert expected in found
    assert not [line for line in found if line.startswith(("fake.py:2:", "fake.py:9:"))]


def test_clean_code_passes():
    source = '''
from portal.dynamo.products import Product


def product_name(product_id):
    product = Product.by_id(product_id)
    return {"name": product.name, "hash": "#anchor", "label": "Tenant #3"} if product else None
'''
    assert layering_violations(source, "clean.py") == []


# The layers below the services never call up into them: the data layer (dynamo/) and the
# delivery engine are used by services and views, never the other way round (a notice about a
# destination's health travels up by a signal, delivery.health.destination_health_changed).
LOWER_LAYERS = (PORTAL / "dynamo", PORTAL / "delivery")
UPPER_PACKAGES = ("portal.services", "portal.views")


def upward_imports(source: str, filename: str = "<module>") -> list[str]:
    """Every import of portal.services or portal.views in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.startswith(UPPER_PACKAGES):
                found.append(f"{filename}:{node.lineno}: imports {name}")
                break
    return found


def test_dynamo_and_delivery_never_import_services_or_views():
    violations = []
    for layer in LOWER_LAYERS:
        for path in sorted(layer.rglob("*.py")):
            violations += upward_imports(path.read_text(), str(path.relative_to(PORTAL.parent)))
    assert violations == []


def test_the_upward_import_check_finds_each_form():
    source = '''
import portal.services.delivery_setup.notices
from portal.services.capacity import batched_metering
from portal import services
from portal.dynamo.base import utcnow
'''
    found = upward_imports(source, "fake.py")
    assert found == ["fake.py:2: imports portal.services.delivery_setup.notices", "fake.py:3: imports portal.services.capacity",
                     "fake.py:4: imports portal.services"]
