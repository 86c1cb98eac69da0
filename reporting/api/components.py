"""The pieces operations share: query, path and header parameters, and responses.

Query strings use the wire keys form bodies use (bodies.py): `expand[]` (repeated), and `created`
(and a payout's `arrival_date`) as Stripe describes it, an integer or a `gt`/`gte`/`lt`/`lte` object
in `deepObject` style (`created[gte]=1700000000`).
"""

from __future__ import annotations

from reporting.unixtime import MAX_TIMESTAMP

from .schemas import Schema, ref, string

# Parameters


def expand_param(paths: list[str]) -> Schema:
    items: Schema = {"type": "string", "maxLength": 5000}
    if paths:
        description = "Fields to expand: " + ", ".join(f"`{p}`" for p in paths) + "."
        items["enum"] = paths
        schema: Schema = {"type": "array", "items": items}
    else:
        description = "Nothing on this object is expandable: any path is refused with a 400."
        schema = {"type": "array", "items": items, "maxItems": 0}
    return {
        "name": "expand[]",
        "in": "query",
        "required": False,
        "description": description + " Repeat the key for several (`expand[]=a&expand[]=b`).",
        "style": "form",
        "explode": True,
        "schema": schema,
    }


def path_param(name: str, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": string()}


def query_param(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def time_param(name: str, description: str) -> Schema:
    """A time in Unix seconds, or a range of them (`name[gt]`, `gte`, `lt`, `lte`), as Stripe takes `created`."""
    second: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "style": "deepObject",
        "explode": True,
        "schema": {
            "anyOf": [
                {
                    "title": "range_query_specs",
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {op: dict(second) for op in ("gt", "gte", "lt", "lte")},
                },
                dict(second),
            ]
        },
    }


PARAMETERS: dict[str, Schema] = {
    "limit": query_param(
        "limit",
        "A limit on the number of objects to be returned, between 1 and 100 (default 10).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    "starting_after": query_param(
        "starting_after",
        "A cursor: an object id; the page holds the objects after (older than) it.",
        string(),
    ),
    "ending_before": query_param(
        "ending_before",
        "A cursor: an object id; the page holds the objects before (newer than) it. Exclusive with `starting_after`.",
        string(),
    ),
    "created": time_param(
        "created", "Only objects created at this Unix second (`created=T`), or in a range (`created[gte]=T`)."
    ),
    "arrival_date": time_param(
        "arrival_date",
        "Only payouts expected to arrive at this Unix second (`arrival_date=T`), or in a range (`arrival_date[gte]=T`).",
    ),
    "Idempotency-Key": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Replays the first response to a repeat of this request for 24 hours; "
        "the same key with other parameters is a 400 `idempotency_error`, a concurrent twin a 409.",
        "schema": {"type": "string", "maxLength": 255},
    },
}


def param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def resolve_parameter(parameter: Schema) -> Schema:
    """The parameter object itself, where `parameter` may be a reference to a shared one."""
    if "$ref" in parameter:
        return PARAMETERS[parameter["$ref"].rpartition("/")[2]]
    return parameter


PAGE_PARAMS = (param("created"), param("ending_before"), param("limit"), param("starting_after"))


# Responses


def response_ref(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def json_ok(schema: str, description: str) -> Schema:
    return {
        "description": description,
        "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        "content": {"application/json": {"schema": ref(schema)}},
    }


def error_response(description: str) -> Schema:
    return {
        "description": description,
        "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        "content": {"application/json": {"schema": ref("error")}},
    }


RESPONSES: dict[str, Schema] = {
    "BadRequest": error_response(
        "Invalid request: a missing, unknown or invalid parameter (`invalid_request_error`), "
        "or an Idempotency-Key reused with other parameters (`idempotency_error`)."
    ),
    "Unauthorized": error_response("No valid API key was provided."),
    "NotFound": error_response("The object does not exist (`resource_missing`, `param` names the id)."),
    "Conflict": error_response("Another request with the same Idempotency-Key is still in flight."),
    "TooManyRequests": {
        **error_response(
            "Past the key's or the account's rate (`rate_limit`), or the database stayed busy with another "
            "writer (`lock_timeout`, which may be retried at once). `Retry-After` gives the seconds to wait."
        ),
        "headers": {
            "Request-Id": {"$ref": "#/components/headers/Request-Id"},
            "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
        },
    },
}

JSON_ERRORS = {
    "400": response_ref("BadRequest"),
    "401": response_ref("Unauthorized"),
    "404": response_ref("NotFound"),
    "429": response_ref("TooManyRequests"),
}
POST_ERRORS = {**JSON_ERRORS, "409": response_ref("Conflict")}

CSV_OK: Schema = {
    "description": "The file's bytes: CSV text with a header row.",
    "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
