"""The opportunity database (seed 002): what each client could improve or buy next.

Opportunities are local data: typed by CSMs on laptops, kept in the cache, never
touched by a sync. The package, by part:

- :mod:`~csconsole.opportunities.model`: an opportunity, its statuses and priorities,
  and each field's label;
- :mod:`~csconsole.opportunities.context`: what the checks know (clients, package tiers,
  the categories of ``resources/opportunities/categories.toml``);
- :mod:`~csconsole.opportunities.checks`: the one validation that the console's form,
  the command line and the importer share, so a value refused in one is refused in all;
- :mod:`~csconsole.opportunities.figures`: expected annual benefit, annual ROI, upsell;
- :mod:`~csconsole.opportunities.store`: create, save, remove, get and list, IDs, and
  the history of every change;
- :mod:`~csconsole.opportunities.pipeline`: a client's pipeline for its dashboard and
  every client's open opportunities for the portfolio;
- :mod:`~csconsole.opportunities.files`: export to and import from .csv and .xlsx;
- :mod:`~csconsole.opportunities.demo`: the demo's opportunities.

Here are the names of what a user does (and the two types they take), which the
console and the command line both call; anything else is imported from its module.
"""

from csconsole.opportunities.checks import raw_of, validate
from csconsole.opportunities.context import Context, load_context
from csconsole.opportunities.files import export_rows, import_file
from csconsole.opportunities.model import Opportunity
from csconsole.opportunities.store import create, get, history, list_opportunities, remove, save

__all__ = [
    "Context",
    "Opportunity",
    "create",
    "export_rows",
    "get",
    "history",
    "import_file",
    "list_opportunities",
    "load_context",
    "raw_of",
    "remove",
    "save",
    "validate",
]
