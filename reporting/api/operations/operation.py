"""What an operation is: one method on one path, what the document says of it and what its view accepts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from reporting.api.bodies import Body
from reporting.api.components import expand_param, resolve_parameter
from reporting.api.params import check_expand, check_known
from reporting.api.schemas import Schema


@dataclass(frozen=True)
class Operation:
    """One method on one path: what the document says of it and what its view accepts.

    `parameters` are OpenAPI parameter objects (path, query, header); `expand` the paths
    the view can expand (None: no `expand` at all, as opposed to one that expands nothing).
    """

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    responses: dict[str, Schema]
    parameters: tuple[Schema, ...] = ()
    body: Body | None = None
    expand: tuple[str, ...] | None = None
    public: bool = False  # served without a key
    description: str = ""

    @cached_property
    def accepted(self) -> frozenset[str]:
        """The top-level names the view takes (`parameters` for `parameters[interval_start]`)."""
        names = [p["name"] for p in map(resolve_parameter, self.parameters) if p["in"] == "query"]
        names += self.body.properties if self.body else []
        names += ["expand"] if self.expand is not None else []
        return frozenset(name.partition("[")[0] for name in names)

    def check(self, params: dict[str, Any]) -> set[str]:
        """Refuse a parameter or an expand path the operation does not declare; return the paths to expand."""
        check_known(params, self.accepted)
        return check_expand(params, self.expand or ())

    def openapi(self) -> Schema:
        """Describe the operation as the document's path item does."""
        op: Schema = {"operationId": self.operation_id, "summary": self.summary, "tags": [self.tag]}
        if self.description:
            op["description"] = self.description
        parameters = list(self.parameters)
        if self.expand is not None and self.body is None:
            parameters.append(expand_param(list(self.expand)))
        if parameters:
            op["parameters"] = parameters
        if self.body:
            op["requestBody"] = self.body.openapi(self.expand)
        if self.public:
            op["security"] = []
        op["responses"] = self.responses
        return op
