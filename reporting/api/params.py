"""Parse Stripe's form encoding: `a[b][c]=v`, `a[0]=v` / `a[]=v` lists, into nested values."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from .errors import StripeError, unknown_parameter

KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
PART = re.compile(r"\[([^\[\]]*)\]")


# Deeper keys than any endpoint takes are refused before they cost anything.
MAX_DEPTH = 5


class _Append(list[Any]):
    """Values sent as `key[]=v`, appended in order."""


class Indexed(dict[str, Any]):
    """A hash whose keys are all digits: a list sent as `key[0]`, `key[1]`, or a hash such as metadata."""

    def as_list(self) -> list[Any]:
        return [self[k] for k in sorted(self, key=int)]


def as_list(value: Any) -> Any:
    """Read an array parameter, whichever form the client sent it in."""
    return value.as_list() if isinstance(value, Indexed) else value


def parse(pairs: Iterable[tuple[str, list[str]]]) -> dict[str, Any]:
    """Turn (key, values) pairs such as QueryDict.lists() into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, values in pairs:
        match = KEY.fullmatch(key)
        if match is None:
            raise StripeError(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *PART.findall(match.group(2))]
        if len(path) > MAX_DEPTH:
            raise StripeError(f"Invalid parameter name: {key[:100]} is nested too deeply", param=key[:100])
        if "\x00" in key or any("\x00" in v for v in values):
            raise StripeError(
                "Invalid string: parameters may not contain NUL characters", param=key.replace("\x00", "")
            )
        for value in values:
            _insert(root, path, value, key)
    return _finish(root)  # type: ignore[no-any-return]


def _insert(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    *parents, last = path
    for i, name in enumerate(parents):
        if path[i + 1] == "":  # the next part is [] : a list of scalars lives here
            child = node.setdefault(name, _Append())
            if not isinstance(child, _Append) or i + 2 != len(path):
                raise StripeError(f"Invalid array parameter: {key}", param=key)
            child.append(value)
            return
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise StripeError(f"Invalid hash parameter: {key} conflicts with a value", param=key)
        node = child
    # Stripe takes the last value sent for a scalar, but a scalar never replaces a hash.
    if last in node and isinstance(node[last], dict | _Append):
        raise StripeError(f"Invalid parameter: {key} conflicts with a hash", param=key)
    node[last] = value


def _finish(value: Any) -> Any:
    if isinstance(value, _Append):
        return list(value)
    if isinstance(value, dict):
        finished = {k: _finish(v) for k, v in value.items()}
        if value and all(k.isdecimal() and k.isascii() for k in value):
            # `a[0]`, `a[1]`: a list where one is expected (as_list), else a hash like metadata.
            return Indexed(finished)
        return finished
    return value


def integer(value: Any, param: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Read a Stripe integer parameter, with Stripe's errors."""
    if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]+", value.strip()):
        raise StripeError(
            f"Invalid integer: {value if isinstance(value, str) else type(value).__name__}",
            code="parameter_invalid_integer",
            param=param,
        )
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise StripeError(
            f"Invalid {param}: must be between {minimum} and {maximum}", code="parameter_invalid_integer", param=param
        )
    return number


def string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise StripeError(f"Invalid string: {param} must be a string", code="parameter_invalid_string", param=param)
    if value == "":
        raise StripeError(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; however '{param}' cannot be unset. You should remove '{param}' from your request or supply a non-empty value.",
            code="parameter_invalid_empty",
            param=param,
        )
    return value


def one_of(value: str, param: str, choices: Collection[str]) -> str:
    """Read an enum parameter: a value outside `choices` is refused, never matched against nothing."""
    if value not in choices:
        raise StripeError(
            f"Invalid {param}: must be one of {', '.join(choices)}", code="parameter_invalid", param=param
        )
    return value


def check_known(params: dict[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Refuse any key not in `allowed`: unknown parameters are never silently dropped."""
    known = set(allowed)
    for key in params:
        if key not in known:
            raise unknown_parameter(f"{prefix}[{key}]" if prefix else key)


def check_expand(params: dict[str, Any], allowed: Collection[str]) -> set[str]:
    """Refuse an `expand` path not in `allowed`; return the paths asked for."""
    expand = as_list(params.get("expand", []))
    if not isinstance(expand, list) or not all(isinstance(e, str) for e in expand):
        raise StripeError("Invalid array: expand must be a list of strings", param="expand")
    for path in expand:
        if path not in allowed:
            raise StripeError(f"This property cannot be expanded ({path}).", param="expand")
    return set(expand)


def expanded(paths: Collection[str], prefix: str = "") -> set[str]:
    """The paths to expand from each object, `prefix` (a list's `data.`) removed.

    As on Stripe, a path expands what leads to it too: `source.charge` expands the source.
    """
    split = [path.removeprefix(prefix).split(".") for path in paths]
    return {".".join(parts[:n]) for parts in split for n in range(1, len(parts) + 1)}
