"""The Alerts & responses tab, by part: :mod:`.model` (the alerts as table rows with a
live countdown, and the proxy that hides the answered ones), :mod:`.protocol` (what
the selected alert asks for, and its checklist), :mod:`.draft` (the letter's
box and the too-long question) and :mod:`.tab` (the tab: the list, the selected alert,
the response, and handing the draft over)."""
