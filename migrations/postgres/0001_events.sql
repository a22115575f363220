-- The event log on PostgreSQL.
--
-- Positions come from an identity sequence, taken at insert: a transaction that took a lower
-- position can commit after one that took a higher position. So readers of the global log
-- order it by (transaction_id, global_position) and read only below the oldest transaction
-- still running (pg_snapshot_xmin): everything there has ended, so nothing can appear later
-- before a row already read. Within one stream positions still grow with versions.
--
-- Payload, metadata and snapshot state are `json`, not `jsonb`: json keeps the exact input
-- text (key order, whitespace, escapes), which the store contract requires, and still
-- refuses text that is not JSON; jsonb would normalise it.
-- Ids are COLLATE "C": they order by their bytes, as on every backend.
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        COLLATE "C" NOT NULL,
    version         bigint      NOT NULL CHECK (version >= 1),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    payload         json        NOT NULL,
    metadata        json        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);

CREATE INDEX events_log ON events (transaction_id, global_position);
-- No index on the correlation id: parsing every event's metadata for it cost appends about
-- 15 % (BENCHMARKS.md); the debugger's correlation lookup scans with a text prefilter.

-- Events are facts: never changed, never removed.
CREATE FUNCTION chronicle_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'chronicle: events are immutable';
END;
$$;

CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION chronicle_events_immutable();

CREATE TABLE snapshots (
    stream_id      text    COLLATE "C" NOT NULL,
    version        bigint  NOT NULL,
    schema_version integer NOT NULL,
    state          json    NOT NULL,
    PRIMARY KEY (stream_id, version)
);

CREATE TABLE idempotency (
    key          text        COLLATE "C" PRIMARY KEY,
    command_hash text        NOT NULL,
    stream_id    text        COLLATE "C" NOT NULL,
    version      bigint      NOT NULL,
    created_at   timestamptz NOT NULL
);
