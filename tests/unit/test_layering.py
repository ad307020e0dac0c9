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


# The whole layer picture, top to bottom. A module may import its own layer and any layer below
# it, never one above. Modules not named here are the web layer's (views, urls, forms, ...).
LAYERS = (
    ("web", ()),
    ("services", ("portal.services",)),
    ("selectors", ("portal.selectors", "portal.permissions")),
    ("delivery", ("portal.delivery",)),
    ("files", ("portal.files",)),
    ("dynamo", ("portal.dynamo",)),
    ("foundation", ("portal.errors", "portal.text", "portal.crypto", "portal.models", "portal.observability.metrics",
                    "portal.dynamodb_local")),
)


def layer_of(module: str) -> int:
    best, rank = "", 0
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, rank = prefix, index
    return rank


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import of a portal module, lazy imports inside functions too:
    `from pkg import name` counts as an import of pkg.name when that is a module."""
    is_package = any(other.startswith(module + ".") for other in known)
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                found.append((node.lineno, f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base))
    return [(line, name) for line, name in found if name.split(".")[0] == "portal"]


def portal_import_graph(sources: dict[str, str]) -> dict[str, list[tuple[int, str]]]:
    known = set(sources)
    return {module: imported_modules(source, module, known) for module, source in sources.items()}


def portal_sources() -> dict[str, str]:
    return {module_name(path): path.read_text() for path in sorted(PORTAL.rglob("*.py"))}


def imports_up_a_layer(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    return [f"{module}:{line}: {LAYERS[layer_of(module)][0]} imports {target} ({LAYERS[layer_of(target)][0]})"
            for module, imports in graph.items() for line, target in imports
            if layer_of(target) < layer_of(module)]


def import_circles(graph: dict[str, list[tuple[int, str]]]) -> list[list[str]]:
    """Every set of modules that import each other round a circle (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    edges = {module: {target for _, target in imports if target in graph} for module, imports in graph.items()}
    index, low, stack, on_stack, circles, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                circles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return circles


def test_no_import_runs_up_a_layer():
    assert imports_up_a_layer(portal_import_graph(portal_sources())) == []


def test_no_modules_import_each_other_in_a_circle():
    assert import_circles(portal_import_graph(portal_sources())) == []


def test_the_layer_check_finds_an_import_up_a_layer():
    sources = {
        "portal.dynamo.tables": "from portal.files.links import file_link\n",
        "portal.files.links": "import portal.dynamo.tables\n",
        "portal.delivery.payloads": "def later():\n    from portal.selectors import submissions\n",
        "portal.selectors.submissions": "from portal.dynamo import tables\nfrom portal.errors import NotFound\n",
        "portal.errors": "",
        "portal.views.pages": "from portal.services.ingest import store\n",
        "portal.services.ingest.store": "",
    }
    found = imports_up_a_layer(portal_import_graph(sources))
    assert found == ["portal.dynamo.tables:1: dynamo imports portal.files.links (files)",
                     "portal.delivery.payloads:2: delivery imports portal.selectors.submissions (selectors)"]


def test_the_circle_check_finds_a_circle_inside_a_layer_lazy_imports_included():
    sources = {
        "portal.dynamo.base": "from portal.dynamo.telemetry import instrument\n",
        "portal.dynamo.telemetry": "from portal.dynamo import capacity\n",
        "portal.dynamo.capacity": "def prefix():\n    from portal.dynamo.base import SETTINGS\n",
        "portal.dynamo.users": "from portal.dynamo.base import Model\n",
        "portal.dynamo": "",
    }
    assert import_circles(portal_import_graph(sources)) == [
        ["portal.dynamo.base", "portal.dynamo.capacity", "portal.dynamo.telemetry"]]
