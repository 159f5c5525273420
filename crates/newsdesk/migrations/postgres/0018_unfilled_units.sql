-- The start-up backfill (store/postgres.rs) looks for targets written before the normalized value
-- existed (0002). Every target written since has it, so this index stays empty; without it each
-- start scanned all targets to find nothing. The other backfill, of indicator keys, already reads
-- the (indicator_key, record) index.
CREATE INDEX IF NOT EXISTS article_targets_unit_unfilled
    ON article_targets (unit) WHERE unit_base IS NULL;
