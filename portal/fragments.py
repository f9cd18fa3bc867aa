"""A template fragment rendered once and kept: `{% cache key %}…{% endcache %}`.

The call page renders the same canvas form to every visitor: ~30 fields through the field
macro and WTForms' widgets, most of the page's time. The view gives the template a key that
says everything the fragment depends on (the form's fields and rules, the language, …) when
the render is pristine (a GET: no values typed, no errors, no files held); the fragment is
rendered once per key and process and kept in a small LRU. A key of None (or none given) renders as
if the tag were not there, so a re-render with the person's values and errors is never cached.

What changes per request (the CSRF token, the once-per-intent keys, the person's values)
must stay outside the tag; tests/functional/test_call_page_cache.py compares the cached page
with the uncached one byte for byte.

The cache is per process and bounded (FRAGMENT_CACHE_SIZE entries, default 256; 0 turns it
off). Templates reloaded on change (debug) turn it off: an edited template shows at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

EXTENSION_KEY = "fragment_cache"


class FragmentCache:
    """A bounded, thread-safe LRU of rendered fragments; counts hits and misses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], Markup]) -> Markup:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        value = render()  # Markup: the caller of an autoescaped template
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def get(self, key: Hashable):
        with self.lock:
            found = self.items.get(key)
            if found is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.hits = self.misses = 0


class FragmentCacheExtension(Extension):
    """`{% cache key %}body{% endcache %}`: the body rendered once per key (None: every time)."""

    tags = {"cache"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_render", [key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    @staticmethod
    def _render(key, caller) -> Markup:
        app = current_app
        cache = app.extensions.get(EXTENSION_KEY)
        off = not app.config["FRAGMENT_CACHE_SIZE"] or app.jinja_env.auto_reload
        if not key or cache is None or off:  # None, or undefined: a template without a key
            return caller()
        return cache.get_or_render(key, caller)


def cache_of(app: Flask) -> FragmentCache:
    return app.extensions[EXTENSION_KEY]


def register(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = FragmentCache(app.config["FRAGMENT_CACHE_SIZE"])
    app.jinja_env.add_extension(FragmentCacheExtension)
