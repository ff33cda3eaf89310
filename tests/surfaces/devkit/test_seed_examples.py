"""The devkit documentation's own examples, verbatim, against the live server.

Only the base URL (``https://api.devkit4ai.com``) and the token placeholder are swapped.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.surfaces.devkit import scenario
from tests.surfaces.devkit.conftest import Account
from tests.surfaces.devkit.schemas import validate_stats

BASE_URL = "https://api.devkit4ai.com"

CURL_REFERENCE = """curl --request GET \\
  --url https://api.devkit4ai.com/api/v1/payments/stats \\
  --header 'Authorization: Bearer <token>'"""

CURL_EXAMPLE = """curl "https://api.devkit4ai.com/api/v1/payments/stats?test_mode=true" \\
  -H "Authorization: Bearer {developer_jwt}\""""

EXAMPLE_RESPONSE = {
    "total_projects": 3,
    "projects_with_config": 2,
    "projects_with_test": 2,
    "projects_with_live": 1,
    "total_subscriptions": 45,
    "active_subscriptions": 38,
    "total_payments": 127,
    "successful_payments": 120,
    "total_revenue_cents": 359700,
    "currency": "usd",
}

FORMATTING = """const revenue = stats.total_revenue_cents / 100;
const formatted = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: stats.currency.toUpperCase()
}).format(revenue);

// $3,597.00"""


def _curl(example: str, server: LiveServer, token: str) -> dict[str, Any]:
    command = example.replace(BASE_URL, server.url)
    command = command.replace("<token>", token).replace("{developer_jwt}", token)
    argv = shlex.split(command.replace("\\\n", " "))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    body: dict[str, Any] = json.loads(done.stdout)
    return body


def test_the_documented_response_fits_the_schema() -> None:
    validate_stats(EXAMPLE_RESPONSE)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("example", [CURL_REFERENCE, CURL_EXAMPLE], ids=["reference", "example"])
def test_curl_examples(live_server: LiveServer, scenario_account: Account, example: str) -> None:
    body = _curl(example, live_server, scenario_account.token)
    validate_stats(body)
    assert body == scenario.NOW_WITH_TEST


def _node_format(stats: dict[str, Any]) -> str:
    program = f"const stats = {json.dumps(stats)};\n{FORMATTING}\nconsole.log(formatted);\n"
    done = subprocess.run(
        ["node", "-e", program], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_revenue_formatting_snippet(http: httpx.Client, scenario_account: Account) -> None:
    """The documented JavaScript turns the response into a currency string."""
    assert _node_format(EXAMPLE_RESPONSE) == "$3,597.00"  # the snippet's own comment
    stats = http.get("/api/v1/payments/stats", headers=scenario_account.headers).json()
    assert _node_format(stats) == "$187.52"  # 18752 cents, see scenario


# The example for the README: the token ``billstats demo`` prints is ``key_id.secret``.
README_EXAMPLE = """KEY=bk_0123456789abcdef.s3cr3t
TOKEN=$(curl -s -u "${KEY%%.*}:${KEY#*.}" -d grant_type=client_credentials \\
  http://127.0.0.1:8000/api/v1/auth/token | jq -r .access_token)
curl "http://127.0.0.1:8000/api/v1/payments/stats?test_mode=true" -H "Authorization: Bearer $TOKEN"
"""


@pytest.mark.skipif(
    shutil.which("jq") is None or shutil.which("curl") is None, reason="needs curl and jq"
)
def test_readme_example(live_server: LiveServer, scenario_account: Account) -> None:
    acct = scenario_account
    script = README_EXAMPLE.replace("http://127.0.0.1:8000", live_server.url).replace(
        "bk_0123456789abcdef.s3cr3t", f"{acct.key_id}.{acct.secret}"
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body = json.loads(done.stdout)
    validate_stats(body)
    assert body == scenario.NOW_WITH_TEST


def test_openapi_documents_the_endpoints(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    stats = spec["paths"]["/api/v1/payments/stats"]["get"]
    (param,) = stats["parameters"]
    assert (param["name"], param["in"], param["schema"]["type"], param["schema"]["default"]) == (
        "test_mode",
        "query",
        "boolean",
        True,
    )
    assert stats["security"] == [{"OAuth2ClientCredentials": []}]
    schema = spec["components"]["schemas"]["PaymentStats"]
    assert schema["required"] == [n for n in EXAMPLE_RESPONSE if n != "currency"]
    flows = spec["components"]["securitySchemes"]["OAuth2ClientCredentials"]["flows"]
    assert flows == {"clientCredentials": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}}
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["grant_type"]
