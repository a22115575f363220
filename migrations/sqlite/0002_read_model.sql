-- The read model: one row per order, kept by the projector. `lines` is the projection's own
-- working state (JSON [{sku, quantity, unit_price}]), so an event updates the row alone.
-- A rowid table: new rows append to the end instead of landing on a random page of a
-- UUID-keyed tree, which halves the pages a projector batch rewrites.
CREATE TABLE order_summary (
    id              INTEGER PRIMARY KEY,
    order_id        TEXT    NOT NULL UNIQUE,
    customer_id     TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    total           TEXT    NOT NULL,
    item_count      INTEGER NOT NULL,
    line_count      INTEGER NOT NULL,
    tracking_number TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    lines           TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    last_position   INTEGER NOT NULL
);

-- The projector's place in the global log. `generation` changes whenever something other
-- than a batch rewrites the read model (rebuild, dead-letter retry or skip), so a batch
-- computed before that refuses to commit.
CREATE TABLE projector_state (
    name       TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
) WITHOUT ROWID;

INSERT INTO projector_state (name, position, generation, updated_at)
VALUES ('order_summary', 0, 0, '1970-01-01T00:00:00.000000Z');

-- Events the projection could not apply. While a stream has one, its later events are
-- parked: not applied until the dead letter is retried or skipped.
CREATE TABLE dead_letters (
    global_position INTEGER PRIMARY KEY,
    stream_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    first_failed_at TEXT    NOT NULL,
    last_failed_at  TEXT    NOT NULL
);

CREATE INDEX dead_letters_stream ON dead_letters (stream_id, version);
