-- The read model: one row per order, kept by the projector. `lines` is the projection's own
-- working state (JSON [{sku, quantity, unit_price}]). Status, currency, total and the times
-- are text in the same formats as on SQLite (times fixed-width UTC, so text order is time
-- order): a row changed behind the projector's back must read back with the text it holds,
-- which a typed column could not keep.
-- A total as a number for sorting; text that is not a decimal sorts below every number.
CREATE FUNCTION chronicle_total(t text) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '^-?[0-9]{1,28}(\.[0-9]{1,28})?$' THEN t::numeric
                ELSE '-Infinity'::numeric END
$$;

CREATE TABLE order_summary (
    order_id        text        COLLATE "C" PRIMARY KEY,
    customer_id     text        COLLATE "C" NOT NULL,
    status          text        COLLATE "C" NOT NULL,
    currency        text        COLLATE "C" NOT NULL,
    total           text        COLLATE "C" NOT NULL,
    item_count      bigint      NOT NULL,
    line_count      bigint      NOT NULL,
    tracking_number text        COLLATE "C",
    created_at      text        COLLATE "C" NOT NULL,
    updated_at      text        COLLATE "C" NOT NULL,
    lines           text        COLLATE "C" NOT NULL,
    version         bigint      NOT NULL,
    last_position   bigint      NOT NULL
);

CREATE INDEX order_summary_customer ON order_summary (customer_id, order_id);
CREATE INDEX order_summary_status ON order_summary (status, order_id);
-- No index for the "recent" and "total" sorts (as on SQLite): every projected row would pay
-- to keep them (the total's expression most of all), and the debugger sorts a page of them.

-- The projector's place in the global log. `generation` changes whenever something other
-- than a batch rewrites the read model (rebuild, dead-letter retry or skip), so a batch
-- computed before that refuses to commit. Projection transactions lock this row first.
CREATE TABLE projector_state (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    generation bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);

INSERT INTO projector_state (name, position, generation, updated_at)
VALUES ('order_summary', 0, 0, 'epoch');

-- Events the projection could not apply. While a stream has one, its later events are
-- parked: not applied until the dead letter is retried or skipped.
CREATE TABLE dead_letters (
    global_position bigint      PRIMARY KEY,
    stream_id       text        COLLATE "C" NOT NULL,
    version         bigint      NOT NULL,
    event_type      text        NOT NULL,
    error           text        NOT NULL,
    attempts        integer     NOT NULL,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL
);

CREATE INDEX dead_letters_stream ON dead_letters (stream_id, version);
