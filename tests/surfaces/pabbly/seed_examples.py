# ruff: noqa: E501  (the seed's examples, verbatim)
"""The seed's own request examples (seed 000, "Code examples"), verbatim.

Tests swap the base URL and the key placeholders, then run each one against a live server.
"""

from __future__ import annotations

BASE_URL = "https://payments.pabbly.com/api/v1"
KEY_ID = "{{YOUR_API_KEY}}"
SECRET = "{{YOUR_SECRET_KEY}}"

EXAMPLES: dict[str, str] = {}

# cURL
EXAMPLES["curl"] = r"""curl -X POST https://payments.pabbly.com/api/v1/api/v2/getdashboardstats \
  -u {{YOUR_API_KEY}}:{{YOUR_SECRET_KEY}} \
  -H "Content-Type: application/json" \
  -d '{
    "product_id": "5e3a95143c92e44b424b6d47",
    "interval": "last_30_days"
  }'
"""

# Ruby
EXAMPLES["python"] = r"""import requests
from requests.auth import HTTPBasicAuth

response = requests.post(
    'https://payments.pabbly.com/api/v1/api/v2/getdashboardstats',
    auth=HTTPBasicAuth('{{YOUR_API_KEY}}', '{{YOUR_SECRET_KEY}}'),
    json={
    'product_id': '5e3a95143c92e44b424b6d47',
    'interval': 'last_30_days'
},
)

data = response.json()
"""

# PHP
EXAMPLES["java"] = r"""import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;

String credentials = Base64.getEncoder().encodeToString("{{YOUR_API_KEY}}:{{YOUR_SECRET_KEY}}".getBytes());

HttpClient client = HttpClient.newHttpClient();
HttpRequest.Builder builder = HttpRequest.newBuilder()
    .uri(URI.create("https://payments.pabbly.com/api/v1/api/v2/getdashboardstats"))
    .header("Authorization", "Basic " + credentials)
    .header("Content-Type", "application/json")
    .method("POST", HttpRequest.BodyPublishers.ofString("{\"product_id\":\"5e3a95143c92e44b424b6d47\",\"interval\":\"last_30_days\"}"));

HttpRequest request = builder.build();
HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
System.out.println(response.body());
"""

# Node.js
EXAMPLES[
    "node"
] = r"""const credentials = Buffer.from('{{YOUR_API_KEY}}:{{YOUR_SECRET_KEY}}').toString('base64');

const response = await fetch('https://payments.pabbly.com/api/v1/api/v2/getdashboardstats', {
  method: 'POST',
  headers: {
    'Authorization': `Basic ${credentials}`,
    'Content-Type': 'application/json',
  },
  body: JSON.stringify({
    "product_id": "5e3a95143c92e44b424b6d47",
    "interval": "last_30_days"
  }),
});

const data = await response.json();
"""

# Go
