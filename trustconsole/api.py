"""The JSON API's shared machinery: one NinjaAPI, one error shape, bearer tokens, limits.

Apps add routers (see urls.py). Token checks are looked up through settings.API_TOKEN_AUTHENTICATOR
so the core never imports the app that keeps API clients.
"""

import json
import time
from functools import cache as memoise
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import URLPattern
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from pydantic import ConfigDict, Field, create_model
from pydantic import ValidationError as PydanticValidationError

MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 1000


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict = {}


class ErrorOut(Schema):
    error: ErrorDetail


ERROR_RESPONSES = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    429: ErrorOut,
}


class ApiError(Exception):
    def __init__(self, status, code, message, fields=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.headers = (
            status,
            code,
            message,
            fields or {},
            headers or {},
        )


def error_response(status, code, message, fields=None, headers=None):
    response = JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class ConsoleDocs(DocsBase):
    """Readable docs rendered on the server from the generated schema: no script, strict CSP."""

    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "body": json.dumps(body, indent=2) if body else "",
                        "responses": sorted(
                            (code, value.get("description", ""))
                            for code, value in operation.get("responses", {}).items()
                        ),
                    }
                )
        components = json.dumps(schema.get("components", {}).get("schemas", {}), indent=2)
        context = {"title": schema["info"]["title"], "operations": operations, "components": components}
        return render(request, "trustconsole/api_docs.html", context)


def _signed_in_or_401(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return error_response(401, "not_authenticated", "Sign in to the console to read the API docs.")
        return view(request, *args, **kwargs)

    return guarded


class ConsoleNinjaAPI(NinjaAPI):
    """Adds the schemas of bodies that endpoints parse item by item (for partial acceptance)."""

    body_schemas = {}

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(self.body_schemas)
        return schema


def documented_body(model):
    """openapi_extra naming `model` as the request body; its schemas join the components."""
    definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
    ConsoleNinjaAPI.body_schemas.update(definition.pop("$defs", {}))
    ConsoleNinjaAPI.body_schemas[model.__name__] = definition
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }


api = ConsoleNinjaAPI(
    title="Trust Console API",
    version="1",
    urls_namespace="api",
    docs=ConsoleDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_signed_in_or_401,
    description=(
        "Detectors and the marketplace send signals, reports, accounts and contracts; the marketplace "
        "reads decisions. Authenticate with `Authorization: Bearer <token>`. Every error has the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
)


@api.exception_handler(ApiError)
def _api_error(request, error):
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, error):
    fields = {".".join(str(part) for part in e["loc"][1:]) or "body": e["msg"] for e in error.errors}
    return error_response(400, "invalid", "The request does not match the schema.", fields)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, error):
    return error_response(401, "not_authenticated", "Send a valid bearer token.")


def bearer_client(request):
    """Ninja's auth callable: the client the token wrapper found (see token_required)."""
    return getattr(request, "api_client", None)


def _authenticate(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return import_string(settings.API_TOKEN_AUTHENTICATOR)(token.strip())


def token_required(view):
    """Checks the bearer token before anything else, so every API URL answers 401 without one."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        client = _authenticate(request)
        if client is None:
            return error_response(
                401, "not_authenticated", "Send a valid bearer token.", headers={"WWW-Authenticate": "Bearer"}
            )
        request.api_client = client
        return view(request, *args, **kwargs)

    return guarded


def require_scope(client, scope):
    if scope not in client.scopes:
        raise ApiError(403, "forbidden", f"This token lacks the {scope!r} scope.")


def enforce_rate_limit(client):
    """A fixed one-minute window per client, kept in the cache (Redis when configured)."""
    window = int(time.time() // 60)
    key = f"api-rate:{client.pk}:{window}"
    cache.add(key, 0, timeout=120)
    used = cache.incr(key)
    if used > client.rate_limit_per_minute:
        retry = 60 - int(time.time() % 60)
        raise ApiError(
            429,
            "rate_limited",
            f"Over {client.rate_limit_per_minute} requests a minute.",
            headers={"Retry-After": str(retry)},
        )


def read_body(request):
    """The raw body, after the content-type and size checks every endpoint shares."""
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.")
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise ApiError(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.") from error
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.")
    return body


def _parsed(body):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {error}") from error


def read_json(request):
    """The parsed JSON body, after the checks of read_body."""
    return _parsed(read_body(request))


def _batch_items(body, envelope_key):
    """The items of a `{"<envelope_key>": [...]}` body, after the envelope's checks."""
    payload = _parsed(body)
    if not isinstance(payload, dict) or set(payload) != {envelope_key} or not isinstance(payload[envelope_key], list):
        raise ApiError(400, "bad_envelope", f'The body must be {{"{envelope_key}": [...]}} and nothing else.')
    items = payload[envelope_key]
    if len(items) > MAX_ITEMS:
        raise ApiError(413, "too_many_items", f"At most {MAX_ITEMS} items per request; got {len(items)}.")
    return items


@memoise
def _envelope(envelope_key, model):
    config = ConfigDict(extra="forbid", strict=True)
    fields = {envelope_key: (list[model], Field(max_length=MAX_ITEMS))}
    return create_model(f"{model.__name__}Envelope", __config__=config, **fields)


def _first_of_each_id(items, rejected):
    """(valid, rejected): an id seen earlier in the batch is refused."""
    valid, seen = [], set()
    for index, item in items:
        if item.id in seen:
            rejected[index] = (item.id, {"id": "appears twice in this batch"})
        else:
            seen.add(item.id)
            valid.append((index, item))
    return valid, rejected


def validate_batch(request, envelope_key, model):
    """The items of a `{"<envelope_key>": [...]}` body, each validated on its own so that valid
    items are kept when others fail. JSON mode: strict types, but ISO timestamps are read as
    datetimes. Returns (count, valid, rejected): the number of items, [(index, item)] and
    {index: (id or None, errors)}.

    Most batches are wholly valid: the raw body is validated in one pass first, without parsing
    it into Python objects and out again, and only a batch with an error is taken apart.
    """
    body = read_body(request)
    try:
        items = getattr(_envelope(envelope_key, model).model_validate_json(body), envelope_key)
    except PydanticValidationError:
        pass
    else:
        return (len(items), *_first_of_each_id(enumerate(items), {}))
    raw_items = _batch_items(body, envelope_key)
    checked, rejected = [], {}
    for index, raw in enumerate(raw_items):
        try:
            checked.append((index, model.model_validate_json(json.dumps(raw))))
        except PydanticValidationError as error:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            errors = {".".join(str(part) for part in e["loc"]) or "item": e["msg"] for e in error.errors()}
            rejected[index] = (raw_id if isinstance(raw_id, str) else None, errors)
    return (len(raw_items), *_first_of_each_id(checked, rejected))


def api_urls():
    """The API's URL patterns with the token check in front of every endpoint but the docs."""
    patterns, app_name, namespace = api.urls
    wrapped = []
    for pattern in patterns:
        if pattern.name in {"openapi-json", "openapi-view"}:
            wrapped.append(pattern)
        else:
            wrapped.append(
                URLPattern(pattern.pattern, token_required(pattern.callback), pattern.default_args, pattern.name)
            )
    return wrapped, app_name, namespace
