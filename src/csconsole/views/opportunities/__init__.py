"""The Opportunities tab, by part: :mod:`.table` (the model, its filter proxy and the
table view), :mod:`.dialogs` (the form and the history) and :mod:`.tab` (the tab that
holds them, with its toolbar, filters, totals, export and import)."""
