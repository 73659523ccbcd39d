"""PDF reports: the monthly review and the monthly ROI report (reportlab platypus).

``base`` holds the renderer every report derives from (page, styles, header, footer,
"page x of y", tables); ``review`` and ``roi_report`` are one subclass each; ``export``
writes one report or a whole book of clients safely (temp name, then rename) with
progress and cancel. Importing this package loads no reportlab: the console's start
stays light, and reportlab loads with the first export.
"""

KINDS = ("review", "roi")

__all__ = ["KINDS"]
