"""/api/docs: the API documentation as a plain page rendered from the app's own OpenAPI
schema (FastAPI's default docs page loads scripts from a CDN, which neither works
offline nor passes our Content-Security-Policy)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)


def _schema_name(schema: dict[str, Any]) -> str:
    """A short readable name of a JSON schema ("list[ItemOut]", "integer", ...)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " of ".join(_schema_name(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"lijst van {_schema_name(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return str(schema.get("type", schema.get("format", "waarde")))


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """Every endpoint with its parameters, body and answers."""
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{
                "name": p["name"], "where": p["in"], "required": p.get("required", False),
                "type": _schema_name(p.get("schema", {})),
                "description": p.get("description") or p.get("schema", {}).get(
                    "description", ""),
            } for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            answers = [{
                "status": status,
                "type": _schema_name(r.get("content", {}).get("application/json", {}).get(
                    "schema", {})),
            } for status, r in op.get("responses", {}).items()]
            endpoints.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "params": params,
                "body": _schema_name(body.get("schema", {})) if body else None,
                "answers": answers,
            })
    models = {name: schema.get("properties", {}) for name, schema in
              spec.get("components", {}).get("schemas", {}).items()
              if name.endswith(("Out", "In"))}
    return render(request, "api_docs.html", {"endpoints": endpoints, "models": models,
                                             "describe": _schema_name})
