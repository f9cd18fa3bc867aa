"""Property-based: whatever text is sent into the canvas and the triage actions — unicode,
control characters, oversized values, XSS and template probes — the portal never answers
with a 5xx, never echoes a probe unescaped, and either saves all of it exactly or none of it.

Hypothesis runs derandomised (the same examples each run, so CI is repeatable) and keeps no
example database in the working tree.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.reference.canvas import CANVAS_FIELDS
from portal.submissions.models import State, Submission
from tests.factories import make_user
from tests.functional.test_submissions import open_form
from tests.functional.test_triage import act, fresh, resident_submission

pytestmark = pytest.mark.slow  # scripts/test --fast leaves it out

PROBES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    "' OR 1=1 --",
    '"; DROP TABLE submissions; --',
    "\u202eevil\u202c",
    "\ufeff\u200b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 åäö ÅÄÖ",
]
# The probes that would do harm if a page showed them as markup.
MARKUP_PROBES = [p for p in PROBES if "<" in p]
LIMITS = {f.key: f.max_length for f in CANVAS_FIELDS}

hostile_text = st.one_of(
    st.sampled_from(PROBES),
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20),
    st.builds(
        lambda a, p, b: a + p + b,
        st.text(max_size=30),
        st.sampled_from(PROBES),
        st.text(max_size=30),
    ),
    st.integers(min_value=1, max_value=3).map(lambda n: "å" * (8000 * n + 1)),
)

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def normalised(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def assert_safe_page(response) -> str:
    assert response.status_code < 500, response.status_code
    html = response.get_data(as_text=True)
    for probe in MARKUP_PROBES:
        assert probe not in html, probe
    return html


def count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(Submission))


@pytest.fixture
def employee(login_as):
    return login_as(make_user(roles={Role.EMPLOYEE}, name="Erik Anställd"))


@SETTINGS
@given(title=hostile_text, purpose=hostile_text, partners=hostile_text, challenges=hostile_text)
def test_canvas_keeps_all_or_nothing_and_never_breaks(
    client, employee, title, purpose, partners, challenges
):
    values = {"title": title, "purpose": purpose, "partners": partners, "challenges": challenges}
    before = count()
    response = client.post(
        "/lamna-in",
        data={**open_form(client, "/lamna-in"), "kind": "idea", "action": "submit", **values},
    )
    assert_safe_page(response)
    if response.status_code == 302:
        assert count() == before + 1
        saved = _db.session.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert saved.state == State.RECEIVED
        for name, value in values.items():
            assert normalised(getattr(saved, name)) == normalised(value), name
    else:
        assert response.status_code == 422, response.status_code
        assert count() == before  # nothing saved, not even a draft
        too_long = any(len(v) > LIMITS[k] for k, v in values.items())
        control = any(ord(c) < 32 and c not in "\t\r\n" for v in values.values() for c in v)
        empty = not title.strip() or not purpose.strip()
        assert too_long or control or empty, values


@pytest.fixture
def triager(login_as):
    return login_as(Role.PROCESS_SUPPORT, name="Petra Processtöd")


# (URL action, form prefix, form field, column it is stored in, state it leads to)
TEXT_ACTIONS = [
    ("avsla", "decline", "reason", "decline_reason", State.DECLINED),
    ("komplettering", "info", "question", "info_request", State.AWAITING_INFO),
]


@pytest.mark.parametrize("action, prefix, field, column, state", TEXT_ACTIONS)
@SETTINGS
@given(text=hostile_text)
def test_triage_texts_all_or_nothing(client, triager, action, prefix, field, column, state, text):
    submission, _token = resident_submission()
    response = act(client, submission, action, {field: text}, prefix=prefix)
    assert_safe_page(response)
    saved = fresh(submission)
    if response.status_code == 302:
        assert saved.state == state
        assert normalised(getattr(saved, column)) == normalised(text)
    else:
        assert response.status_code == 422
        assert (saved.state, getattr(saved, column)) == (State.RECEIVED, "")


@SETTINGS
@given(reg_number=hostile_text)
def test_duplicate_of_a_typed_number_never_breaks(client, triager, reg_number):
    submission, _token = resident_submission()
    response = act(client, submission, "dubblett", {"reg_number": reg_number}, prefix="duplicate")
    assert_safe_page(response)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert fresh(submission).state == State.RECEIVED
