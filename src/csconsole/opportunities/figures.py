"""An opportunity's figures, computed from its client:

- *expected annual benefit* = benefit amount × 12 when it is in $ per month, or
  hours per week × 52 × the client's hourly rate when it is in hours per week;
- *annual ROI* = (expected annual benefit − investment) / investment, in %, when
  both numbers exist and the investment is above 0; otherwise the ROI the user
  typed (if any) is shown as typed;
- an opportunity is an *upsell* when the client's package ranks below the package
  the opportunity requires.
"""

from __future__ import annotations

from dataclasses import replace

from csconsole.opportunities.context import Context
from csconsole.opportunities.model import Opportunity


def annual_benefit(amount: float | None, unit: str, *, hourly_rate: float) -> float | None:
    """$ per month × 12, or hours per week × 52 × the client's hourly rate."""
    if amount is None:
        return None
    if unit == "$/month":
        return amount * 12
    if unit == "h/week" and hourly_rate > 0:
        return amount * 52 * hourly_rate
    return None


def annual_roi(benefit: float | None, investment: float | None) -> float | None:
    """(annual benefit − investment) / investment, in %; None when it cannot be computed."""
    if benefit is None or investment is None or investment <= 0:
        return None
    return (benefit - investment) / investment * 100


def derive(opp: Opportunity, ctx: Context) -> Opportunity:
    """``opp`` with its client's name and tier, annual benefit, ROI and upsell flag."""
    client = ctx.clients.get(opp.client_key)
    rate = client.hourly_rate if client else 0.0
    benefit = annual_benefit(opp.benefit_amount, opp.benefit_unit, hourly_rate=rate)
    computed = annual_roi(benefit, opp.investment)
    tier = client.tier if client else ""
    upsell = bool(client) and ctx.tier_rank(tier) < ctx.tier_rank(opp.required_tier)
    return replace(
        opp,
        client_name=client.name if client else opp.client_key,
        client_tier=tier,
        annual_benefit=benefit,
        roi=computed if computed is not None else opp.roi_typed,
        roi_computed=computed is not None,
        upsell=upsell,
    )
