-- The event log. global_position is assigned in commit order (SQLite has one writer).
CREATE TABLE events (
    global_position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    UNIQUE (stream_id, version)
);

-- Events are facts: never changed, never removed.
CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'chronicle: events are immutable');
END;

CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'chronicle: events are immutable');
END;

CREATE TABLE snapshots (
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    PRIMARY KEY (stream_id, version)
) WITHOUT ROWID;

CREATE TABLE idempotency (
    key          TEXT    PRIMARY KEY,
    command_hash TEXT    NOT NULL,
    stream_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TEXT    NOT NULL
) WITHOUT ROWID;
