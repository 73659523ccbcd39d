"""What a user does, once: the console, the command line and the self-test call these.

In the spirit of Anki's ``aqt/operations``: each function is one thing a user does,
over the engine modules, with no Qt and no printing. A caller keeps only its
presentation (a widget, a printed line, a dialog); the workflow, and which clients and
alerts it touched, comes back from here. Long work takes ``progress`` (called with
what happens, on the caller's thread of work) and ``cancel`` (a ``threading.Event``
whose setting ends the work with :class:`~csconsole.errors.Cancelled`).

By subject:

- :mod:`.demo`: load the demo data (warehouse, sync, alerts, opportunities);
- :mod:`.sync`: sync the sources, then raise alerts for the clients that changed;
- :mod:`.imports`: preview and import a tracking sheet, then raise that client's alerts;
- :mod:`.health`: a status check (rating the clients and raising their alerts), and
  why a client has its status;
- :mod:`.alerts`: raise alerts for some clients, record a response, tick an action;
- :mod:`.reviews`: open a client-month's review, export one report or every client's.

Actions that are one engine call already name themselves in their engine module and
are called there: saving a review (:func:`csconsole.reviews.save_review`), the
opportunities' create, save, remove, import and export (:mod:`csconsole.opportunities`),
the sources (:mod:`csconsole.ingest.sources`). Reads that only show data (the portfolio, a
dashboard, the alerts list) are the engine's too.

Importing this package loads nothing: the command line imports a subject's module when
its command runs.
"""

from __future__ import annotations

from collections.abc import Callable

#: Called with what the work is doing: a line of text, or the engine's progress object.
Progress = Callable[[object], None]

__all__ = ["Progress"]
