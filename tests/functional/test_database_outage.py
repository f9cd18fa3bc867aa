"""The database goes away in the middle of a submission: the person gets a Swedish 503 page,
nothing is half-saved, and once the database is back the same form goes through without the
portal being restarted.

On PostgreSQL the outage is real: the portal talks to the database through a TCP proxy that
the test cuts (open connections are dropped, new ones refused) right after the submission's
first INSERT, and then restores. SQLite has no server to lose, so there the same moment fails
with the error SQLite gives when it cannot reach its file.
"""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.submissions.models import Attachment, RegistrationCounter, Submission
from tests.conftest import RequestContextClient
from tests.factories import make_call
from tests.functional.test_submissions import open_form, resident_data


class CuttableProxy:
    """A TCP proxy to PostgreSQL whose connections can be cut and later let through again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down = True
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def outage(app, db):
    """(client, cut, restore): a portal whose database can be taken away and given back."""
    if db.engine.dialect.name == "postgresql":
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)

        class ProxiedConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False
            )

        outage_app = create_app(ProxiedConfig)
        outage_app.test_client_class = RequestContextClient
        with outage_app.app_context():
            engine = _db.engine
        cut_after_first_insert = {"armed": False}

        @event.listens_for(engine, "after_cursor_execute")
        def cut_midway(conn, cursor, statement, parameters, context, executemany):
            if cut_after_first_insert["armed"] and statement.startswith("INSERT INTO submissions"):
                cut_after_first_insert["armed"] = False
                proxy.cut()

        def cut() -> None:
            cut_after_first_insert["armed"] = True

        yield outage_app.test_client(), cut, proxy.restore
        proxy.close()
        with outage_app.app_context():
            _db.engine.dispose()
        return

    failing = {"armed": False, "tripped": False}

    @event.listens_for(db.engine, "before_cursor_execute")
    def unreachable(conn, cursor, statement, parameters, context, executemany):
        if failing["tripped"]:
            raise OperationalError(statement, None, Exception("unable to open database file"))
        if failing["armed"] and statement.startswith("INSERT INTO submissions"):
            failing["tripped"] = True  # the statements after the first INSERT fail

    def cut() -> None:
        failing["armed"] = True

    def restore() -> None:
        failing.update(armed=False, tripped=False)

    yield app.test_client(), cut, restore
    event.remove(db.engine, "before_cursor_execute", unreachable)


def counts() -> dict[str, int]:
    _db.session.expire_all()
    return {
        model.__tablename__: _db.session.scalar(select(func.count()).select_from(model))
        for model in (Submission, Attachment, OutboxMessage)
    } | {
        "counter": _db.session.scalar(select(func.coalesce(func.max(RegistrationCounter.last), 0)))
    }


def test_an_outage_during_a_submission_saves_nothing_and_the_portal_recovers(db, outage):
    client, cut, restore = outage
    call = make_call(rules={"title": "required", "purpose": "required"})
    db.session.commit()
    url = f"/utlysningar/{call.slug}"
    before = counts()
    form = {**open_form(client, url), **resident_data(title="Äldres väg till vårdcentralen")}

    cut()
    response = client.post(url, data=form)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Portalen når inte sin databas just nu" in html
    assert "har inte sparats" in html
    assert '<html lang="sv">' in html
    assert response.headers["Retry-After"] == "30"
    assert "Content-Security-Policy" in response.headers

    restore()
    assert counts() == before  # nothing half-saved
    # The same page again, with nothing restarted: the form goes through once.
    retry = client.post(url, data=form)
    assert retry.status_code == 302, retry.get_data(as_text=True)[:1500]
    after = counts()
    assert after["submissions"] == before["submissions"] + 1
    assert after["counter"] == before["counter"] + 1
    assert client.get("/healthz").status_code == 200
