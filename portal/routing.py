"""The URL converters every route uses: a path parameter the database cannot hold matches no
route, so the answer is 404, the same as for an id that names nothing, and the value never
reaches a query (where SQLite raises OverflowError beyond 64 bits, PostgreSQL DataError
beyond its `integer`, or on a NUL character in text).

create_app installs them as `int` and as the default (`<name>`, `<string:name>`) converter,
before the blueprints add their rules, so every route gets them without saying so.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map, UnicodeConverter, ValidationError

from portal.types import INTEGER_MAX


class IdConverter(IntegerConverter):
    """`<int:name>`: 0 to INTEGER_MAX, at most ten digits (not even converted beyond)."""

    regex = r"\d{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = INTEGER_MAX,
        signed: bool = False,
    ) -> None:
        bounded = max if max is not None and max < INTEGER_MAX else INTEGER_MAX
        super().__init__(map, fixed_digits, min, bounded, signed)


class TextConverter(UnicodeConverter):
    """`<name>`: one path segment without control characters (NUL among them)."""

    def to_python(self, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValidationError()
        return value


CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter}
