-- When the projector tries a dead letter again on its own (its backoff), or NULL once its
-- retries are spent and it waits for an operator. Failing orders are parked at once and
-- retried beside the batches, so one bad event never holds the others up.
ALTER TABLE dead_letters ADD COLUMN next_retry_at TEXT;
