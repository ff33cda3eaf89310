"""The demo catalog: three products, thirteen plans in three currencies, affiliates, one partner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from billstats.demo.config import PARTNER_TIMEZONE, DemoConfig
from billstats.demo.util import cents, iso, micros

Obj = dict[str, Any]


@dataclass(frozen=True)
class PlanSpec:
    id: str
    product_id: str
    name: str
    currency: str
    amount_cents: int  # per unit (seat) per interval
    months: int  # interval length: 1 monthly, 3 quarterly, 12 yearly
    tier: int  # rank within its family (same product and currency); higher costs more
    trial_days: int = 0
    per_seat: bool = False
    features: tuple[tuple[str, str, str, str], ...] = ()  # (code, name, type, value)
    usage: tuple[tuple[str, int], ...] = ()  # (metric_code, unit amount in micro-units)
    metered: str = ""  # the metric usage events are recorded against

    @property
    def family(self) -> tuple[str, str]:
        return (self.product_id, self.currency)

    @property
    def monthly_cents(self) -> int:
        return self.amount_cents // self.months

    def record(self) -> Obj:
        unit, count = ("year", 1) if self.months == 12 else ("month", self.months)
        return {
            "kind": "plans",
            "data": {
                "id": self.id,
                "product_id": self.product_id,
                "name": self.name,
                "currency": self.currency,
                "amount": cents(self.amount_cents),
                "interval_unit": unit,
                "interval_count": count,
                "trial_days": self.trial_days,
                "features": [
                    {"code": c, "name": n, "type": t, "value": v} for c, n, t, v in self.features
                ],
                "usage_charges": [
                    {"metric_code": m, "unit_amount": micros(u)} for m, u in self.usage
                ],
            },
        }


PRODUCTS: tuple[tuple[str, str, bool, bool, bool], ...] = (
    # id, name, configured, test credentials, live credentials
    ("prod_insights", "Insights Analytics", True, True, True),
    ("prod_relay", "Relay Messaging", True, True, False),
    ("prod_vault", "Vault Storage", False, False, False),
)


def _analytics(
    seats: str, calls: str, sso: str, support: str
) -> tuple[tuple[str, str, str, str], ...]:
    return (
        ("seats", "Seats", "quantity", seats),
        ("api_calls", "API calls / month", "quantity", calls),
        ("sso", "Single sign-on", "boolean", sso),
        ("support", "Support", "custom", support),
    )


def _relay(sms: str, number: str, support: str) -> tuple[tuple[str, str, str, str], ...]:
    return (
        ("sms_included", "SMS included", "quantity", sms),
        ("dedicated_number", "Dedicated number", "boolean", number),
        ("support", "Support", "custom", support),
    )


_VAULT = (
    ("storage_gb", "Storage per seat (GB)", "quantity", "250"),
    ("versioning", "File versioning", "boolean", "true"),
    ("retention", "Retention", "custom", "90 days"),
)

_STARTER = _analytics("3", "10000", "false", "email")
_PRO = _analytics("10", "100000", "true", "priority")

PLANS: tuple[PlanSpec, ...] = (
    PlanSpec(
        "plan_insights_starter_usd_m",
        "prod_insights",
        "Insights Starter (monthly)",
        "USD",
        2900,
        1,
        1,
        14,
        features=_STARTER,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_pro_usd_m",
        "prod_insights",
        "Insights Pro (monthly)",
        "USD",
        9900,
        1,
        2,
        14,
        features=_PRO,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_pro_usd_y",
        "prod_insights",
        "Insights Pro (yearly)",
        "USD",
        99000,
        12,
        3,
        features=_PRO,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_starter_eur_m",
        "prod_insights",
        "Insights Starter (monthly)",
        "EUR",
        2700,
        1,
        1,
        14,
        features=_STARTER,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_pro_eur_m",
        "prod_insights",
        "Insights Pro (monthly)",
        "EUR",
        9200,
        1,
        2,
        14,
        features=_PRO,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_pro_gbp_m",
        "prod_insights",
        "Insights Pro (monthly)",
        "GBP",
        7900,
        1,
        1,
        14,
        features=_PRO,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_insights_pro_gbp_y",
        "prod_insights",
        "Insights Pro (yearly)",
        "GBP",
        79000,
        12,
        2,
        features=_PRO,
        metered="api_calls",
    ),
    PlanSpec(
        "plan_relay_basic_usd_m",
        "prod_relay",
        "Relay Basic (monthly)",
        "USD",
        4900,
        1,
        1,
        features=_relay("1000", "false", "email"),
        usage=(("sms_sent", 7500),),
        metered="sms_sent",
    ),
    PlanSpec(
        "plan_relay_basic_usd_q",
        "prod_relay",
        "Relay Basic (quarterly)",
        "USD",
        4900 * 3,
        3,
        2,
        features=_relay("3000", "false", "email"),
        usage=(("sms_sent", 7500),),
        metered="sms_sent",
    ),
    PlanSpec(
        "plan_relay_business_usd_m",
        "prod_relay",
        "Relay Business (monthly)",
        "USD",
        19900,
        1,
        3,
        features=_relay("10000", "true", "24/7 phone"),
        usage=(("sms_sent", 5000),),
        metered="sms_sent",
    ),
    PlanSpec(
        "plan_relay_business_eur_q",
        "prod_relay",
        "Relay Business (quarterly)",
        "EUR",
        18500 * 3,
        3,
        1,
        features=_relay("30000", "true", "24/7 phone"),
        usage=(("sms_sent", 4600),),
        metered="sms_sent",
    ),
    PlanSpec(
        "plan_vault_team_usd_m",
        "prod_vault",
        "Vault Team (monthly, per seat)",
        "USD",
        1200,
        1,
        1,
        per_seat=True,
        features=_VAULT,
        usage=(("egress_gb", 90000),),
        metered="egress_gb",
    ),
    PlanSpec(
        "plan_vault_team_gbp_y",
        "prod_vault",
        "Vault Team (yearly, per seat)",
        "GBP",
        10000,
        12,
        1,
        per_seat=True,
        features=_VAULT,
        usage=(("egress_gb", 70000),),
        metered="egress_gb",
    ),
)

PLANS_BY_ID = {p.id: p for p in PLANS}


def family_plans(product_id: str, currency: str) -> list[PlanSpec]:
    return sorted((p for p in PLANS if p.family == (product_id, currency)), key=lambda p: p.tier)


# Where new customers land: (product, currency) and an integer weight.
FAMILIES: tuple[tuple[tuple[str, str], int], ...] = (
    (("prod_insights", "USD"), 34),
    (("prod_insights", "EUR"), 14),
    (("prod_insights", "GBP"), 8),
    (("prod_relay", "USD"), 16),
    (("prod_relay", "EUR"), 7),
    (("prod_vault", "USD"), 14),
    (("prod_vault", "GBP"), 7),
)

AFFILIATES: tuple[tuple[str, str, int], ...] = (
    # id, name, commission in basis points of each payment (first 12 months)
    ("aff_growthlab", "GrowthLab Partners", 2000),
    ("aff_saasreview", "SaaS Review Weekly", 2500),
    ("aff_devpodcast", "The Dev Podcast", 3000),
    ("aff_consultco", "ConsultCo", 1500),
    ("aff_indiemaker", "Indie Maker Club", 2000),
)
AFFILIATE_RATES = {a: rate for a, _, rate in AFFILIATES}

PARTNER_ID = "partner_acme"
PARTNER_SLUG = "acme-partner"


def catalog_records(config: DemoConfig) -> Iterator[Obj]:
    for pid, name, configured, test, live in PRODUCTS:
        yield {
            "kind": "products",
            "data": {
                "id": pid,
                "name": name,
                "payment_provider": {
                    "configured": configured,
                    "test_credentials": test,
                    "live_credentials": live,
                },
            },
        }
    created = config.start + timedelta(days=3, hours=5)
    yield {
        "kind": "partners",
        "data": {
            "id": PARTNER_ID,
            "name": "Acme Voice Reseller",
            "slug": PARTNER_SLUG,
            "company": "Acme Telecom Pvt Ltd",
            "email": "partners@acme-telecom.example",
            "phone": "+91 80 4000 1000",
            "billing_model": "prepaid",
            "is_active": True,
            "is_verified": True,
            "max_accounts": 500,
            "account_id": 700_001,
            "can_create_accounts": True,
            "can_create_pricing_tiers": True,
            "can_view_cdrs": True,
            "can_transfer_balance": True,
            "default_pricing_tier_id": "tier_standard_inr",
            "created_at": iso(created, PARTNER_TIMEZONE),
            "updated_at": iso(config.end - timedelta(days=12, hours=3), PARTNER_TIMEZONE),
        },
    }
    for aid, name, _ in AFFILIATES:
        yield {"kind": "affiliates", "data": {"id": aid, "name": name}}
    for plan in PLANS:
        yield plan.record()
