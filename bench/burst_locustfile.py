"""The closing-day burst, as Locust users (bench/burst.py starts Locust with this file).

Residents: each opens the call page and sends one answer (a third with a 1–5 MB PDF), then
leaves. Process support: each logs in with password and app code, then pages and searches the
inbox until the run ends. The settings come from the environment bench/burst.py sets.
"""

from __future__ import annotations

import json
import os
import random
import re
import time

import pyotp
from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter

CALL = os.environ["BURST_CALL_PATH"]
SUPPORT = json.loads(os.environ["BURST_SUPPORT"])  # [[email, password, totp secret], ...]
TRUSTED = os.environ.get("BURST_CA", "")
RESIDENTS = int(os.environ["BURST_RESIDENTS"])
FIELD = re.compile(r'<input[^>]*name="(csrf_token|form_key|intent)"[^>]*value="([^"]*)"')
WORDS = ["äldre", "skola", "trygghet", "ensamhet", "rörelse", "digital", "hemtjänst", "läxhjälp"]
_support_left = list(SUPPORT)
_resident_numbers = iter(range(1, 10**6))


def hidden_fields(html: str) -> dict[str, str]:
    """The form's hidden keys (CSRF token, one-time form key) as the page rendered them;
    the last form on the page is the canvas (the language form comes first)."""
    fields: dict[str, str] = {}
    for name, value in FIELD.findall(html):
        fields[name] = value
    return fields


def pdf(size: int) -> bytes:
    body = os.urandom(size)
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + body + b"\n%%EOF\n"


class FromAddress(HTTPAdapter):
    """Connections from one loopback address, as from a home of its own (HAProxy passes the
    address on; the portal throttles per client)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Resident(HttpUser):
    weight = 15
    wait_time = between(0, 1)

    def on_start(self) -> None:
        if TRUSTED:
            self.client.verify = TRUSTED
        self.number = next(_resident_numbers)
        self.sent = self.number > RESIDENTS  # Locust may start more than asked: they idle
        self.client.mount(
            "https://", FromAddress(f"127.1.{self.number // 250}.{self.number % 250 + 1}")
        )

    @task
    def answer_the_call(self) -> None:
        if self.sent:  # one answer each; then the resident only waits for the run to end
            time.sleep(5)
            return
        self.sent = True
        n = self.number
        page = self.client.get(CALL, name="GET call page")
        fields = hidden_fields(page.text)
        data = {
            **fields,
            "kind": "idea",
            "title": f"Idé {n} inför sista dagen",
            "purpose": f"Invånare {n}: {' '.join(random.sample(WORDS, 4))}.",
            "name": f"Invånare {n}",
            "email": f"invanare{n}@example.org",
        }
        files = None
        name = "POST answer"
        if n % 3 == 0:
            files = {"visual_file": ("bilaga.pdf", pdf(random.randint(1, 5) * 1024 * 1024))}
            name = "POST answer with 1-5 MB file"
        headers = {"Referer": page.url}
        with self.client.post(
            CALL, data=data, files=files, headers=headers, name=name,
            allow_redirects=False, catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 302 and "/kvitto/" in answer.headers.get("Location", ""):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}: no receipt")


class ProcessSupport(HttpUser):
    fixed_count = len(SUPPORT)
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        if TRUSTED:
            self.client.verify = TRUSTED
        email, password, secret = _support_left.pop()
        page = self.client.get("/logga-in", name="GET login")
        answer = self.client.post(
            "/logga-in",
            data={**hidden_fields(page.text), "email": email, "password": password},
            headers={"Referer": page.url},
            name="POST login",
        )
        code_page = answer
        # A code is good once per 30 s step: wait for a fresh one if needed.
        totp = pyotp.TOTP(secret)
        time.sleep(0.1)
        self.client.post(
            "/logga-in/kod",
            data={**hidden_fields(code_page.text), "code": totp.now()},
            headers={"Referer": code_page.url},
            name="POST login code",
        )

    @task(3)
    def page_the_inbox(self) -> None:
        self.client.get(f"/inkorg?page={random.randint(1, 5)}", name="GET inbox page")

    @task(1)
    def search_the_inbox(self) -> None:
        self.client.get(f"/inkorg?q={random.choice(WORDS)}", name="GET inbox search")
