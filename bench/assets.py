"""The JavaScript and CSS each page loads, as served: bytes plain, gzip and brotli.

    .venv/bin/python bench/assets.py

On a temporary SQLite file with the demo content (portal/demo.py), through the Flask test
client and the static build of scripts/setup (build/static/, built here when missing): the
home page, the calls, a call, the hub, a published initiative, the board's dashboard (as the
demo board member) and an initiative's page for the core team (with its spider chart). For each
page it fetches every <script src> and stylesheet the page links, with Accept-Encoding gzip and
br, and prints the sums in bytes: what a first visit downloads (a later visit downloads none
of them: the hashed URLs are cached for a year).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.assets import build  # noqa: E402
from portal.config import ROOT, Config, TestConfig  # noqa: E402
from portal.demo import DEMO_PASSWORD, seed_demo_content, seed_demo_users  # noqa: E402
from portal.evaluation.models import Initiative  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.reference.seed import seed_reference  # noqa: E402

SCRIPT_RE = re.compile(r'<script src="([^"]+)"')
STYLE_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
CALL_RE = re.compile(r'href="(/utlysningar/(?!hantera|ny\b|flode)[^"/?#]+)"')
HUB_RE = re.compile(r'href="(/hubb/\d+[^"?#]*)"')
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def sizes(client, urls: list[str]) -> tuple[int, int, int]:
    plain = gz = br = 0
    for url in urls:
        plain += len(client.get(url, headers={"Accept-Encoding": "identity"}).get_data())
        gz += len(client.get(url, headers={"Accept-Encoding": "gzip"}).get_data())
        br += len(client.get(url, headers={"Accept-Encoding": "br"}).get_data())
    return plain, gz, br


def log_in(client, email: str) -> None:
    page = client.get("/logga-in").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    answer = client.post(
        "/logga-in", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 302, answer.status_code


def main() -> int:
    build_folder = Path(Config.STATIC_BUILD_FOLDER)
    if not build_folder.is_dir():
        build(ROOT / "static", build_folder)
    with tempfile.TemporaryDirectory() as tmp:

        class BenchConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/assets.sqlite3"
            WTF_CSRF_ENABLED = True
            STATIC_BUILD_FOLDER = str(build_folder)

        app = create_app(BenchConfig)
        with app.app_context():
            db.create_all()
            seed_reference()
            seed_demo_users()
            seed_demo_content()
            db.session.commit()
            initiative_id = db.session.scalar(select(Initiative.id).order_by(Initiative.id))
        anonymous = app.test_client()
        calls = anonymous.get("/utlysningar").get_data(as_text=True)
        hub = anonymous.get("/hubb").get_data(as_text=True)
        pages = [
            (anonymous, "/"),
            (anonymous, "/utlysningar"),
            (anonymous, CALL_RE.search(calls).group(1)),
            (anonymous, "/hubb"),
            (anonymous, HUB_RE.search(hub).group(1)),
        ]
        board = app.test_client()
        log_in(board, "styrelsen@example.org")
        pages.append((board, "/styrelsen"))
        core = app.test_client()
        log_in(core, "coreteam@example.org")
        pages.append((core, f"/initiativ/{initiative_id}"))

        print(f"{'page':<34} {'JS':>8} {'JS gz':>8} {'JS br':>8} {'CSS gz':>8}  scripts")
        for client, path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            html = response.get_data(as_text=True)
            scripts = SCRIPT_RE.findall(html)
            plain, gz, br = sizes(client, scripts)
            css_gz = sizes(client, STYLE_RE.findall(html))[1]
            names = ", ".join(src.rsplit("/", 1)[-1].split(".")[0] for src in scripts)
            print(f"{path[:34]:<34} {plain:>8} {gz:>8} {br:>8} {css_gz:>8}  {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
