"""The cache's tables as SQLAlchemy models.

Synced data (clients, targets, samples, incidents) is replaced by syncs; sync
bookkeeping (sources, watermarks, runs, rejected rows) belongs to the sync; local
data that users type arrives with later revisions and is never touched by a sync.
"""

from csconsole.models.alerts import Alert, AlertChecklistItem
from csconsole.models.base import Base, UTCDateTime, utcnow
from csconsole.models.derived import MonthlyRollup, RollupDirty, SampleMonth, Snapshot
from csconsole.models.history import StatusHistory
from csconsole.models.opportunities import (
    OpportunityChange,
    OpportunityCounter,
    OpportunityRecord,
)
from csconsole.models.reviews import (
    ReviewActionItem,
    ReviewFeatureRequest,
    ReviewRecord,
    ReviewSection,
)
from csconsole.models.sync_state import RejectedRow, Source, SourceWatermark, SyncRun
from csconsole.models.synced import (
    Client,
    ClientTarget,
    Incident,
    PeriodNote,
    Sample,
    SheetValue,
)

__all__ = [
    "Alert",
    "AlertChecklistItem",
    "Base",
    "Client",
    "ClientTarget",
    "Incident",
    "MonthlyRollup",
    "OpportunityChange",
    "OpportunityCounter",
    "OpportunityRecord",
    "PeriodNote",
    "RejectedRow",
    "ReviewActionItem",
    "ReviewFeatureRequest",
    "ReviewRecord",
    "ReviewSection",
    "RollupDirty",
    "Sample",
    "SampleMonth",
    "SheetValue",
    "Snapshot",
    "Source",
    "SourceWatermark",
    "StatusHistory",
    "SyncRun",
    "UTCDateTime",
    "utcnow",
]
