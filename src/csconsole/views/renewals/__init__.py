"""The Renewals tab, by part: :mod:`.model` (the clients renewing in a window, as table
rows) and :mod:`.tab` (the book's totals with the rule's definition above the list, the
window and CSM choices, and opening a client)."""
