"""The worked web service of docs/examples/webapp.py, driven by Starlette's test client on
SQLite and PostgreSQL: commands from JSON, refusals as 409, bad input as 422, the reader
from a header, pages with cursors, and a mail for each flag."""

import importlib.util
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from starlette.testclient import TestClient

from peernet.testing import some_id

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webapp.py"
GROUP = str(some_id("group"))
WAIT = 60


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webapp_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


webapp = load_example()


class Outbox:
    """A mailer that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def client(durable_url: str, outbox: Outbox) -> Iterator[TestClient]:
    with TestClient(webapp.create_app(durable_url, mailer=outbox)) as test_client:
        yield test_client


def company(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "company_id": str(some_id(f"company {n}")),
        "profile": {
            "name": f"Co {n}",
            "kind": "msp",
            "territory": {"country": "US", "region": f"r{n}"},
            "business_lines": ["managed services"],
            "head_count": 20,
            "revenue_band": "1-5M",
        },
        "actor": "admin app",
        "at": "2008-01-10T09:00:00+00:00",
        **changes,
    }


def seat(client: TestClient, n: int) -> str:
    """Register company n and seat it in the group; its membership id."""
    membership = str(some_id(f"membership {n}"))
    at = {"actor": "admin app", "at": "2008-01-10T09:00:00+00:00"}
    steps = [
        ("RegisterCompany", company(n)),
        (
            "ApplyForMembership",
            {
                "company_id": str(some_id(f"company {n}")),
                "group_id": GROUP,
                "membership_id": membership,
                **at,
            },
        ),
        ("SignAgreement", {"membership_id": membership, **at}),
        ("TakeSeat", {"membership_id": membership, **at}),
    ]
    for name, body in steps:
        assert 201 == client.post(f"/commands/{name}", json=body).status_code
    return membership


def form_group(client: TestClient, **charter: Any) -> None:
    body = {
        "group_id": GROUP,
        "name": "HTG 1",
        "charter": charter,
        "actor": "admin app",
        "at": "2008-01-01T09:00:00+00:00",
    }
    assert 201 == client.post("/commands/FormGroup", json=body).status_code
    assert (
        201
        == client.post(
            "/commands/AssignFacilitator",
            json={
                "group_id": GROUP,
                "facilitator": "arnie",
                "actor": "admin app",
                "at": body["at"],
            },
        ).status_code
    )


def test_a_command_from_json_is_recorded_and_read_back(client: TestClient) -> None:
    """POST a RegisterCompany body: 201 with the event; the company is listed."""
    answer = client.post("/commands/RegisterCompany", json=company(1))
    listed = client.get("/companies").json()

    assert (201, "CompanyRegistered") == (answer.status_code, answer.json()["recorded"][0]["event"])
    assert ["Co 1"] == [c["profile"]["name"] for c in listed["items"]]


def test_a_refused_command_is_409_with_the_rule_and_message(client: TestClient) -> None:
    """The same company registered twice: 409, rule and message, nothing recorded."""
    client.post("/commands/RegisterCompany", json=company(1))

    answer = client.post("/commands/RegisterCompany", json=company(1, actor="again"))

    assert 409 == answer.status_code
    assert "unique_company_id" == answer.json()["rule"]
    assert str(some_id("company 1")) in answer.json()["message"]
    assert 1 == len(client.get("/companies").json()["items"])


def test_bad_input_is_422_naming_the_field(client: TestClient) -> None:
    """A kind peernet does not know: 422, valid_value, the field named."""
    body = company(1)
    body["profile"]["kind"] = "bakery"

    answer = client.post("/commands/RegisterCompany", json=body)

    assert (422, "valid_value") == (answer.status_code, answer.json()["rule"])
    assert "kind" in answer.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "status", "rule"),
    [
        ("/commands/RegisterCompany", b"{not json", 422, "valid_json"),
        ("/commands/RegisterCompany", b"[1, 2]", 422, "valid_json"),
        ("/commands/BakeBread", b"{}", 404, "known_command"),
    ],
)
def test_a_body_that_is_no_command_gets_one_clear_answer(
    client: TestClient, path: str, body: bytes, status: int, rule: str
) -> None:
    """Not JSON, not an object, no such command: a status and a rule, never a traceback."""
    answer = client.post(path, content=body)

    assert (status, rule) == (answer.status_code, answer.json()["rule"])


def test_goals_are_read_as_the_reader_the_header_names(client: TestClient) -> None:
    """No header: 403 (confidential to the group); a member of the group: 200."""
    form_group(client)
    member = seat(client, 1)

    kept_out = client.get(f"/groups/{GROUP}/goals")
    inside = client.get(f"/groups/{GROUP}/goals", headers={"X-Peernet-Reader": f"member:{member}"})
    garbled = client.get(f"/groups/{GROUP}/goals", headers={"X-Peernet-Reader": "king:me"})

    assert (403, "confidential_to_the_group") == (kept_out.status_code, kept_out.json()["rule"])
    assert (200, {"items": []}) == (inside.status_code, inside.json())
    assert 422 == garbled.status_code


def test_companies_page_over_http_with_cursors(client: TestClient) -> None:
    """limit and cursor walk every company once."""
    for n in range(5):
        client.post("/commands/RegisterCompany", json=company(n))
    names: list[str] = []
    cursor = None
    while True:
        page = client.get(
            "/companies", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        names += [c["profile"]["name"] for c in page.json()["items"]]
        cursor = page.json()["next"]
        if cursor is None:
            break

    assert [f"Co {n}" for n in range(5)] == names


def test_a_flagged_member_is_mailed_to_the_facilitator_once(
    client: TestClient, outbox: Outbox
) -> None:
    """Closing a quarter nobody reported flags two members: two mails to the facilitator."""
    form_group(client, financials_mandatory=True)
    seat(client, 1)
    seat(client, 2)
    closed = client.post(
        "/commands/CloseQuarter",
        json={
            "group_id": GROUP,
            "quarter": "2008Q1",
            "actor": "admin app",
            "at": "2008-04-10T09:00:00+00:00",
        },
    )
    deadline = time.monotonic() + WAIT
    while len(outbox.sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    client.app.state.follower.wait(timeout=WAIT)  # type: ignore[attr-defined]

    assert 201 == closed.status_code
    assert {("arnie", "Co 1 was flagged in HTG 1"), ("arnie", "Co 2 was flagged in HTG 1")} == {
        (to, subject) for to, subject, _ in outbox.sent
    }
    assert 2 == len(outbox.sent)
