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
EXAMPLES["ruby"] = r"""require 'net/http'
require 'json'

uri = URI('https://payments.pabbly.com/api/v1/api/v2/getdashboardstats')
request = Net::HTTP::Post.new(uri)
request.basic_auth '{{YOUR_API_KEY}}', '{{YOUR_SECRET_KEY}}'
request['Content-Type'] = 'application/json'
request.body = "{\"product_id\":\"5e3a95143c92e44b424b6d47\",\"interval\":\"last_30_days\"}"

response = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == 'https') do |http|
  http.request(request)
end

data = JSON.parse(response.body)
"""

# Python
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
EXAMPLES["php"] = r"""<?php
$ch = curl_init('https://payments.pabbly.com/api/v1/api/v2/getdashboardstats');
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
curl_setopt($ch, CURLOPT_CUSTOMREQUEST, 'POST');
curl_setopt($ch, CURLOPT_USERPWD, '{{YOUR_API_KEY}}:{{YOUR_SECRET_KEY}}');
curl_setopt($ch, CURLOPT_HTTPHEADER, ['Content-Type: application/json']);
curl_setopt($ch, CURLOPT_POSTFIELDS, '{"product_id":"5e3a95143c92e44b424b6d47","interval":"last_30_days"}');

$response = curl_exec($ch);
curl_close($ch);
$data = json_decode($response, true);
"""

# Java
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
EXAMPLES["go"] = r"""package main

import (
    "fmt"
    "io"
    "net/http"
    "strings"
)

func main() {
    payload := strings.NewReader("{\"product_id\":\"5e3a95143c92e44b424b6d47\",\"interval\":\"last_30_days\"}")
    req, _ := http.NewRequest("POST", "https://payments.pabbly.com/api/v1/api/v2/getdashboardstats", payload)
    req.Header.Set("Content-Type", "application/json")
    req.SetBasicAuth("{{YOUR_API_KEY}}", "{{YOUR_SECRET_KEY}}")

    res, _ := http.DefaultClient.Do(req)
    defer res.Body.Close()
    body, _ := io.ReadAll(res.Body)
    fmt.Println(string(body))
}
"""

# .NET
EXAMPLES["dotnet"] = r"""using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;

var credentials = Convert.ToBase64String(Encoding.ASCII.GetBytes("{{YOUR_API_KEY}}:{{YOUR_SECRET_KEY}}"));

var client = new HttpClient();
var request = new HttpRequestMessage(HttpMethod.Post, "https://payments.pabbly.com/api/v1/api/v2/getdashboardstats");
request.Headers.TryAddWithoutValidation("Authorization", $"Basic {credentials}");
request.Content = new StringContent("{\"product_id\":\"5e3a95143c92e44b424b6d47\",\"interval\":\"last_30_days\"}");
request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

var response = await client.SendAsync(request);
var data = await response.Content.ReadAsStringAsync();
Console.WriteLine(data);
"""
