"""Health (SPEC "Health status"): each client's KPIs against target, its
green/yellow/red status with reasons, its performance rating and trend, for any month.

The package, by part:

- :mod:`~csconsole.health.bands`: the status bands, SPEC's defaults with the user's
  overrides;
- :mod:`~csconsole.health.rules`: the rules, pure — a client-month's values, targets,
  open incidents and bands give its status, reasons, KPIs and rating;
- :mod:`~csconsole.health.evaluation`: a client-month's evaluation as stored and shown,
  its JSON, and the re-judging of evaluations stored by older rules;
- :mod:`~csconsole.health.explain`: what changed since the previous month;
- :mod:`~csconsole.health.clients`: the cache's clients as the rules see them;
- :mod:`~csconsole.health.engine`: the engine over the cache and its history, and
  :func:`~csconsole.health.engine.open_engine`, the one way a user's action gets one.

Here are the engine, its factory and the two types every caller meets; anything else is
imported from its module.
"""

from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.health.evaluation import Evaluation

__all__ = ["ClientInfo", "Evaluation", "HealthEngine", "open_engine"]
