"""The Reviews tab, by part: :mod:`.figures` (the engine's figures for the client-month,
read-only), :mod:`.form` (the CSM's narrative, feature requests and action items) and
:mod:`.tab` (the tab: pickers, saving as typed, and the PDF exports)."""
