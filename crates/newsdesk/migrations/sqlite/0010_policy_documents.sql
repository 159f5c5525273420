-- Policy documents: targets (目标) are compared with results (实绩) across documents.
-- `record` tells a commitment ('target') from a reported figure ('result'); `indicator_key` is the
-- canonical indicator (`policy::indicator_key`: 地区生产总值/GDP/生产总值 → one key) that the
-- comparison pages group by. `year` (an existing column) is now the figure's own year (a
-- deadline, a reporting year), falling back to the document's plan year.
-- Existing rows are all targets (the default); their `indicator_key` is filled by the server when
-- it opens the database (`policy::indicator_key`, the one place that knows the synonyms), like
-- value_base in 0009. Their document facts (article_documents) are written when the article is
-- next saved or re-imported: type and issuer need the article's title and 来源 and a reading of
-- its text, which is content work the store does not do.
ALTER TABLE article_targets ADD COLUMN record TEXT NOT NULL DEFAULT 'target';
ALTER TABLE article_targets ADD COLUMN indicator_key TEXT NOT NULL DEFAULT '';
CREATE INDEX article_targets_indicator ON article_targets (indicator_key, record);

-- What an article is as a policy document: its type (work_report, plan, programme, notice,
-- news: `policy::DocKind`), issuing body, region, plan year and first year of a plan period.
-- Derived data, rewritten with the article's targets in the same transaction.
CREATE TABLE article_documents (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    issuer     TEXT,
    region     TEXT,
    year       INTEGER,
    first_year INTEGER
);
CREATE INDEX article_documents_kind ON article_documents (kind);
