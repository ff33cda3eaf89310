"""The request examples of seed 004 (Vobiz "Dashboard & Analytics"), transcribed verbatim.

Tests swap the base URL for the live test server and fill in the placeholders.
"""

from __future__ import annotations

BASE_URL = "https://api.vobiz.ai"
AUTH_ID_PLACEHOLDER = "{your_partner_id}"
TOKEN_PLACEHOLDER = "{your_auth_token}"

# "Partner Dashboard"
DASHBOARD = """curl -X GET \\
  "https://api.vobiz.ai/api/v1/partner/dashboard" \\
  -H "X-Auth-ID: {your_partner_id}" \\
  -H "X-Auth-Token: {your_auth_token}" \\
  -H "Accept: application/json"
"""

# "Partner Analytics" - "Default - Last 30 Days"
ANALYTICS_DEFAULT = """curl -X GET \\
  "https://api.vobiz.ai/api/v1/partner/analytics" \\
  -H "X-Auth-ID: {your_partner_id}" \\
  -H "X-Auth-Token: {your_auth_token}" \\
  -H "Accept: application/json"
"""

# "Partner Analytics" - "Custom Date Range"
ANALYTICS_CUSTOM = """curl -X GET \\
  "https://api.vobiz.ai/api/v1/partner/analytics?from_date=2026-01-01&to_date=2026-03-31" \\
  -H "X-Auth-ID: {your_partner_id}" \\
  -H "X-Auth-Token: {your_auth_token}" \\
  -H "Accept: application/json"
"""

CURL_EXAMPLES = {
    "dashboard": DASHBOARD,
    "analytics_default": ANALYTICS_DEFAULT,
    "analytics_custom": ANALYTICS_CUSTOM,
}
