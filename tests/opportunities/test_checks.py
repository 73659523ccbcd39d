"""One check of an opportunity, shared by the form, the command line and the import: every
field named with what is wrong, values read as people type them, ROI and upsell."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from csconsole.opportunities.checks import validate
from csconsole.opportunities.context import Context
from tests.helpers.opportunities import HOSTILE, raw


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"area": ""}, "area", "Area is required"),
        ({"area": "   "}, "area", "Area is required"),
        ({"area": "x" * 201}, "area", "too long"),
        ({"improvement": "y" * 100_000}, "improvement", "too long (100,000 characters"),
        ({"investment": "-1"}, "investment", "must be 0 or more"),
        ({"investment": "lots"}, "investment", "must be a number of dollars"),
        ({"investment": "nan"}, "investment", "must be a number of dollars"),
        ({"benefit_amount": "-3", "benefit_unit": "h/week"}, "benefit_amount", "0 or more"),
        ({"benefit_amount": "abc"}, "benefit_amount", "must be a number"),
        ({"benefit_amount": "5", "benefit": ""}, "benefit_unit", "$/month or h/week"),
        ({"benefit_unit": "per fortnight"}, "benefit_unit", "$/month or h/week"),
        ({"client_key": "CL-999"}, "client_key", "Unknown client 'CL-999'"),
        ({"client_key": ""}, "client_key", "Client is required"),
        ({"category": "XX"}, "category", "Unknown category 'XX'"),
        ({"timeline_weeks": "0"}, "timeline_weeks", "between 1 and 520"),
        ({"timeline_weeks": "2.5"}, "timeline_weeks", "whole number"),
        ({"timeline_weeks": "soon"}, "timeline_weeks", "whole number"),
        ({"next_review": "2026-02-30"}, "next_review", "real date"),
        ({"next_review": "tomorrow"}, "next_review", "real date"),
        ({"priority": "urgent"}, "priority", "one of high, medium, low"),
        ({"status": "won"}, "status", "one of identified"),
        ({"required_tier": "platinum"}, "required_tier", "essential, professional, enterprise"),
        ({"owner": "bell\x07"}, "owner", "control character"),
        ({"roi_typed": "ten"}, "roi_typed", "percentage"),
    ],
)
def test_bad_input_is_named_at_its_field(
    ctx: Context, overrides: dict[str, Any], field: str, words: str
) -> None:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is None
    assert words in result.errors[field], result.errors


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"investment": "$1,200"}, "investment", 1200.0),
        ({"investment": "0"}, "investment", 0.0),
        ({"investment": ""}, "investment", None),
        ({"timeline_weeks": "3 weeks"}, "timeline_weeks", 3),
        ({"status": "In_Progress"}, "status", "in progress"),
        ({"priority": "LOW"}, "priority", "low"),
        ({"required_tier": "Enterprise"}, "required_tier", "enterprise"),
        ({"category": "Integration enhancement"}, "category", "IE"),
        ({"client_key": "client cl-002 <&>"}, "client_key", "CL-002"),
        ({"next_review": date(2027, 1, 2)}, "next_review", date(2027, 1, 2)),
        ({"area": HOSTILE.replace("\r\n", " ")}, "area", HOSTILE.replace("\r\n", " ")),
        ({"current_state": HOSTILE}, "current_state", HOSTILE.replace("\r\n", "\n")),
    ],
)
def test_values_are_read_as_people_type_them(
    ctx: Context, overrides: dict[str, Any], field: str, expected: Any
) -> None:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is not None, result.errors
    assert getattr(result.opportunity, field) == expected


@pytest.mark.parametrize(
    ("overrides", "benefit", "roi", "computed"),
    [
        # 3 h/week × 52 × $50 = 7,800 a year; (7,800 − 500) / 500 = 1,460 %
        ({}, 7800.0, 1460.0, True),
        # $2,000/month × 12 = 24,000; (24,000 − 1,200) / 1,200 = 1,900 %
        ({"benefit": "$2,000/month savings", "investment": "1200"}, 24000.0, 1900.0, True),
        ({"benefit_amount": "100", "benefit_unit": "$/month", "investment": "1200"}, 1200, 0, True),
        # no number in the benefit: the typed ROI is kept
        ({"benefit": "15% better decisions", "roi_typed": "180%"}, None, 180.0, False),
        # no investment: nothing to divide by
        ({"investment": "0", "roi_typed": "50"}, 7800.0, 50.0, False),
    ],
)
def test_annual_roi_is_computed_from_the_numbers_else_typed(
    ctx: Context, overrides: dict[str, Any], benefit: float | None, roi: float, computed: bool
) -> None:
    opp = validate(raw(**overrides), ctx).opportunity
    assert opp is not None
    assert opp.annual_benefit == benefit
    assert opp.roi == pytest.approx(roi)
    assert opp.roi_computed is computed


def test_upsell_when_the_clients_package_is_below_the_required_one(ctx: Context) -> None:
    up = validate(raw(required_tier="enterprise"), ctx).opportunity
    same = validate(raw(required_tier="essential"), ctx).opportunity
    higher_client = validate(raw(client_key="CL-002", required_tier="enterprise"), ctx)
    assert up is not None and up.upsell
    assert same is not None and not same.upsell
    assert higher_client.opportunity is not None and not higher_client.opportunity.upsell
