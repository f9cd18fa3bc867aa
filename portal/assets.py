"""Static files as a production site serves them: content-hashed names, cached for a year,
precompressed (brotli and gzip), with the portal's security headers.

The build (`python -m portal.assets`, run by scripts/setup, so by scripts/start and CI) copies
every file of static/ to STATIC_BUILD_FOLDER (build/static/, git-ignored) under a name with
its content's hash, `css/portal.css` -> `css/portal.3f1c0a9b2e4d.css`, beside a `.br` and a
`.gz` of it for text files. At start the app hashes static/ again: a file whose hashed copy is
built gets the hashed URL from url_for('static', ...) and is served by WhiteNoise (WSGI
middleware, before Flask) with `Cache-Control: public, max-age=31536000, immutable`, the
smallest encoding the browser's Accept-Encoding allows, ETag/304 and the security headers of
portal/security.py. Anything else (no build, a file changed since, `flask run --debug`, an old
unhashed link) is served from static/ by Flask as before, plain, with a short cache.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from pathlib import Path

from flask import Flask, current_app, request
from whitenoise import WhiteNoise

from portal.config import ROOT, Config
from portal.security import security_headers

IMMUTABLE = "public, max-age=31536000, immutable"
UNHASHED_MAX_AGE = 600  # seconds: an old link to /static/css/portal.css, revalidated by ETag
COMPRESSIBLE = {".css", ".js", ".mjs", ".json", ".map", ".svg", ".txt", ".xml", ".html", ".ico"}
HASH_LENGTH = 12


def hashed_name(relative: str, content: bytes) -> str:
    """`css/portal.css` -> `css/portal.<12 hex of sha256>.css`; a name without a suffix
    (LICENSE, VERSION) is not hashed (returns "")."""
    head, _, name = relative.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return ""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    return f"{head + '/' if head else ''}{stem}.{digest}.{suffix}"


def _sources(static_folder: Path):
    """(relative name with /, path) of every file under static/, sorted."""
    for path in sorted(static_folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.relative_to(static_folder).as_posix(), path


def _write(path: Path, content: bytes) -> None:
    """Atomically: two setups at once (helpers, CI workers) never leave half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    os.replace(partial, path)


def _brotli(content: bytes) -> bytes | None:
    try:
        import brotli
    except ImportError:  # the portal still serves gzip and plain files
        return None
    return brotli.compress(content, quality=11)


def build(static_folder: Path, build_folder: Path) -> list[str]:
    """Write the hashed copies and their .gz/.br into build_folder; what exists is kept (the
    names are content hashes, so an existing file is already right). Returns the files
    written."""
    written = []
    for relative, path in _sources(static_folder):
        content = path.read_bytes()
        name = hashed_name(relative, content)
        if not name:
            continue
        target = build_folder / name
        outputs = {target: lambda c=content: c}
        if path.suffix.lower() in COMPRESSIBLE:
            # mtime=0: the same input gives the same bytes (reproducible builds).
            outputs[target.with_name(target.name + ".gz")] = lambda c=content: gzip.compress(
                c, compresslevel=9, mtime=0
            )
            outputs[target.with_name(target.name + ".br")] = lambda c=content: _brotli(c)
        for out, make in outputs.items():
            if out.exists():
                continue
            data = make()
            if data is not None:
                _write(out, data)
                written.append(out.relative_to(build_folder).as_posix())
    return written


def built_names(static_folder: Path, build_folder: Path) -> dict[str, str]:
    """{static name: hashed name} for each file of static/ whose hashed copy is built; a file
    changed since the build (its hash differs) or not built is left out, so served plain."""
    if not build_folder.is_dir():
        return {}
    names = {}
    for relative, path in _sources(static_folder):
        name = hashed_name(relative, path.read_bytes())
        if name and (build_folder / name).is_file():
            names[relative] = name
    return names


def init_app(app: Flask) -> None:
    """Hashed URLs through url_for, WhiteNoise in front of the app for them, a short cache
    for the rest of static/. Under `--debug` nothing is hashed: edits show on reload."""
    build_folder = Path(app.config["STATIC_BUILD_FOLDER"])
    names = {} if app.debug else built_names(Path(app.static_folder or ""), build_folder)
    app.extensions["static_hashed_names"] = names
    app.after_request(_short_cache)
    if not names:
        return
    headers = security_headers(app.config)

    def add_headers(response_headers, _path, _url) -> None:
        # WhiteNoise quotes the charset (charset="utf-8"); as Flask writes it.
        response_headers["Content-Type"] = response_headers["Content-Type"].replace('"', "")
        response_headers["Cache-Control"] = IMMUTABLE
        for key, value in headers:
            response_headers[key] = value

    server = WhiteNoise(
        app.wsgi_app, max_age=None, allow_all_origins=False, add_headers_function=add_headers
    )
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"
    for name in names.values():
        server.add_file_to_dictionary(prefix + name, str(build_folder / name))
    app.wsgi_app = server  # type: ignore[method-assign]

    @app.url_defaults
    def hashed_url(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            values["filename"] = names.get(values.get("filename", ""), values.get("filename"))


def _short_cache(response):
    """static/ served by Flask (unhashed, or not built): cached briefly, revalidated by ETag;
    under `--debug` Flask's no-cache stays."""
    if (
        request.endpoint == "static"
        and response.status_code in (200, 206, 304)
        and not current_app.debug
    ):
        response.headers["Cache-Control"] = f"public, max-age={UNHASHED_MAX_AGE}"
    return response


def main(argv: list[str]) -> int:
    static_folder = ROOT / "static"
    build_folder = Path(argv[0]) if argv else Path(Config.STATIC_BUILD_FOLDER)
    written = build(static_folder, build_folder)
    print(f"static files: {len(written)} written to {build_folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
