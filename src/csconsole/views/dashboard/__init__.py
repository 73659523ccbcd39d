"""The Client dashboard tab, by part: :mod:`.panels` (the status chip, the panels of
figures and the weekly tracking table), :mod:`.chart` (the trend chart), :mod:`.explanation`
(why the client has its status) and :mod:`.tab` (the tab: pickers, loading, dropping a
sheet to import)."""
