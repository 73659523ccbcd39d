"""What changed in a client's health since the previous month: reasons new, kept and
cleared, and the metrics that moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csconsole.health.evaluation import Evaluation, rounded
from csconsole.health.rules import Reason, fmt_value


@dataclass(frozen=True)
class Move:
    metric: str
    label: str
    unit: str
    before: float | None
    after: float | None
    change: float | None
    band_before: str
    band_after: str


@dataclass(frozen=True)
class Explanation:
    """What changed since the previous month: reasons new and cleared, metrics that moved."""

    current: Evaluation
    previous: Evaluation | None
    new_reasons: tuple[Reason, ...]
    cleared_reasons: tuple[Reason, ...]
    kept_reasons: tuple[Reason, ...]
    moves: tuple[Move, ...]

    def lines(self) -> list[str]:
        cur, prev = self.current, self.previous
        head = f"{cur.client_name} ({cur.client_key}) is {cur.status.upper()} in {cur.month}"
        if prev is not None:
            head += f"; it was {prev.status.upper()} in {prev.month}"
        out = [head + "."]
        if not cur.reasons:
            out.append("  Every targeted metric is within 10 % of target and no issue is open.")
        for title, reasons in (
            ("New since last month", self.new_reasons),
            ("Still true", self.kept_reasons),
            ("Cleared since last month", self.cleared_reasons),
        ):
            if reasons:
                out.append(f"{title}:")
                out += [f"  [{r.status}] {r.text}" for r in reasons]
        if self.moves:
            out.append("Metrics that moved:")
            for m in self.moves:
                change = (
                    ""
                    if m.change is None
                    else f" ({'+' if m.change >= 0 else ''}{fmt_value(m.change, m.unit)})"
                )
                band = (
                    "" if m.band_before == m.band_after else f", {m.band_before} → {m.band_after}"
                )
                out.append(
                    f"  {m.label}: {fmt_value(m.before, m.unit)} → {fmt_value(m.after, m.unit)}{change}{band}"
                )
        for k in cur.kpis:
            if k.carried_from:
                out.append(
                    f"  ({k.label}: no sample due yet this month; {k.carried_from}'s value used)"
                )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "current": self.current.as_json(),
            "previous": self.previous.as_json() if self.previous else None,
            "new_reasons": [rounded(vars(r)) for r in self.new_reasons],
            "cleared_reasons": [rounded(vars(r)) for r in self.cleared_reasons],
            "kept_reasons": [rounded(vars(r)) for r in self.kept_reasons],
            "moves": [rounded(vars(m)) for m in self.moves],
        }


def explain(
    current: Evaluation, previous: Evaluation | None, *, threshold: float = 0.02
) -> Explanation:
    """Compare two months of one client. A metric "moved" when it changed band or by more
    than ``threshold`` of its target (or of its old value when it has no target)."""
    before = {r.key: r for r in previous.reasons} if previous else {}
    after = {r.key: r for r in current.reasons}
    moves: list[Move] = []
    if previous is not None:
        old = {k.metric: k for k in previous.kpis}
        for k in current.kpis:
            p = old.get(k.metric)
            if p is None or (k.band == "tracked" and p.band == "tracked"):
                continue
            change = None if k.value is None or p.value is None else k.value - p.value
            scale = abs(k.target or p.value or 1.0)
            moved = k.band != p.band or (change is not None and abs(change) > threshold * scale)
            if moved:
                moves.append(
                    Move(k.metric, k.label, k.unit, p.value, k.value, change, p.band, k.band)
                )
    return Explanation(
        current=current,
        previous=previous,
        new_reasons=tuple(r for key, r in after.items() if key not in before),
        cleared_reasons=tuple(r for key, r in before.items() if key not in after),
        kept_reasons=tuple(r for key, r in after.items() if key in before),
        moves=tuple(moves),
    )
