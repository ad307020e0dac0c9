"""The OpenAPI 3.1 document of the public API (portal/api/openapi.json, the contract the suite
checks the live app against), served as it is, and a readable reference page rendered from it
on the server (no script: the CSP forbids inline script and the network may be closed)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.decorators import portal_user_optional

DOCUMENT = Path(__file__).resolve().parents[2] / "api" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=1)
def openapi_text() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def openapi_dict() -> dict:
    return json.loads(openapi_text())


@require_GET
def openapi_document(request):
    response = HttpResponse(openapi_text(), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"  # public and credential-free: tools may load it
    return response


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def type_label(schema: dict | None) -> str:
    """A short human name for a schema: `string (date)`, `array of Submission`, `Fields`."""
    if not schema:
        return ""
    name = _ref_name(schema)
    if name:
        return name
    if "oneOf" in schema:
        return " or ".join(type_label(s) for s in schema["oneOf"])
    if "allOf" in schema:
        return " + ".join(type_label(s) for s in schema["allOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"array of {type_label(schema.get('items'))}"
    if "enum" in schema:
        return f"{kind}: " + " | ".join(str(v) for v in schema["enum"])
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_label(schema['additionalProperties'])}"
    return kind


def _schema_ref(schema: dict | None) -> str | None:
    """The named schema a body is (or is an array of), for a link to its section; None for an
    inline schema, which has no section."""
    if not schema:
        return None
    return _ref_name(schema) or (_ref_name(schema.get("items") or {}) if schema.get("type") == "array" else None)


def _rules(schema: dict) -> str:
    parts = []
    for key, label in (("minimum", "min"), ("maximum", "max"), ("minLength", "min length"),
                       ("maxLength", "max length"), ("minItems", "min items"), ("maxItems", "max items"),
                       ("pattern", "pattern"), ("default", "default")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    return ", ".join(parts)


def _schema_rows(schema: dict) -> list[dict]:
    rows = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        rows.append({"name": name, "type": type_label(prop), "required": name in required,
                     "rules": _rules(prop), "description": prop.get("description", "")})
    return rows


def _response_schema(response: dict) -> tuple[list[str], str]:
    content = response.get("content", {})
    media = list(content)
    schemas = [type_label(c.get("schema")) for c in content.values() if c.get("schema")]
    return media, ", ".join(dict.fromkeys(schemas))


def reference_context(document: dict) -> dict:
    components = document.get("components", {})
    shared_responses = components.get("responses", {})
    operations = []
    for path, item in document["paths"].items():
        shared_params = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            scopes = [f"{name} ({', '.join(wanted)})" if wanted else name
                      for requirement in op.get("security", []) for name, wanted in requirement.items()]
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": type_label(p.get("schema")), "rules": _rules(p.get("schema", {})),
                       "description": p.get("description", "")} for p in shared_params + op.get("parameters", [])]
            body = op.get("requestBody")
            bodies = [{"media": media, "type": type_label(c.get("schema")), "ref": _schema_ref(c.get("schema"))}
                      for media, c in (body or {}).get("content", {}).items()]
            responses = []
            for status, response in op["responses"].items():
                resolved = shared_responses.get(_ref_name(response) or "", response)
                media, schema = _response_schema(resolved)
                responses.append({"status": status, "description": resolved.get("description", ""),
                                  "media": media, "schema": schema,
                                  "headers": list(resolved.get("headers", {}))})
            operations.append({"id": op.get("operationId", f"{method}-{path}"), "method": method.upper(),
                               "path": path, "summary": op.get("summary", ""),
                               "description": op.get("description", ""), "tags": op.get("tags", []),
                               "auth": scopes, "params": params, "bodies": bodies,
                               "body_required": bool(body and body.get("required")), "responses": responses})
    schemas = [{"name": name, "type": type_label({k: v for k, v in schema.items() if k != "properties"}),
                "description": schema.get("description", ""), "rows": _schema_rows(schema)}
               for name, schema in components.get("schemas", {}).items()]
    security = [{"name": name, **scheme} for name, scheme in components.get("securitySchemes", {}).items()]
    return {"info": document["info"], "operations": operations, "schemas": schemas, "security": security}


@require_GET
@portal_user_optional
def api_reference(request):
    return render(request, "portal/api/reference.html", reference_context(openapi_dict()))
