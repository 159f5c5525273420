-- Unit-aware sorting of targets: the value with the unit's magnitude folded in (120万辆 → 1200000)
-- and the unit family (辆). Written with each target by the content layer; rows written before
-- this migration are filled by the server when it opens the database (`targets::normalize`, the
-- one place that knows the magnitudes), so the rule is not kept twice, once in SQL.
ALTER TABLE article_targets ADD COLUMN value_base DOUBLE PRECISION;
ALTER TABLE article_targets ADD COLUMN unit_base TEXT;
