-- The customer filter pages by id and skips other customers' rows, as on SQLite (and as the
-- status filter does since 0003): the index doubled the server's cost of every row the
-- projector inserts (it is the one index besides the key), and a catch-up inserts them all.
DROP INDEX order_summary_customer;
