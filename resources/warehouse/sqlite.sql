-- csconsole warehouse contract, SQLite flavour (the demo warehouse uses it).
-- Same tables and columns as postgresql.sql. Dates are ISO text 'YYYY-MM-DD';
-- timestamps are UTC ISO text 'YYYY-MM-DD HH:MM:SS.ffffff' so that text order is time order.

CREATE TABLE IF NOT EXISTS cs_clients (
    client_id       TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    tier            TEXT NOT NULL,
    package_value   REAL NOT NULL,
    start_date      TEXT NOT NULL,
    csm             TEXT NOT NULL DEFAULT '',
    technical_lead  TEXT NOT NULL DEFAULT '',
    contact_name    TEXT NOT NULL DEFAULT '',
    contact_email   TEXT NOT NULL DEFAULT '',
    team_size       INTEGER NOT NULL DEFAULT 0,
    hourly_rate     REAL NOT NULL DEFAULT 0,
    cost_per_error  REAL NOT NULL DEFAULT 0,
    setup_fee       REAL,
    renewal_date    TEXT,
    contract_months INTEGER,
    updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cs_clients_sync ON cs_clients (updated_at, client_id);

CREATE TABLE IF NOT EXISTS cs_client_targets (
    client_id   TEXT NOT NULL,
    metric      TEXT NOT NULL,
    target      REAL NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (client_id, metric)
);
CREATE INDEX IF NOT EXISTS cs_client_targets_sync
    ON cs_client_targets (updated_at, client_id, metric);

CREATE TABLE IF NOT EXISTS cs_metric_samples (
    sample_id     INTEGER PRIMARY KEY,
    client_id     TEXT NOT NULL,
    metric        TEXT NOT NULL,
    period_start  TEXT NOT NULL,
    grain         TEXT NOT NULL,
    value         REAL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cs_metric_samples_sync ON cs_metric_samples (updated_at, sample_id);

CREATE TABLE IF NOT EXISTS cs_incidents (
    incident_id  TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    severity     TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    opened_at    TEXT NOT NULL,
    resolved_at  TEXT,
    updated_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cs_incidents_sync ON cs_incidents (updated_at, incident_id);
