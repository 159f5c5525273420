-- Policy intelligence: the quantitative targets (量化目标) extracted from each article's text.
-- Derived data: rewritten with the article in the same transaction, so it is never stale.
CREATE TABLE article_targets (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    -- Order in the text; also the anchor (#target-N) of the highlighted clause on the page.
    position     INTEGER NOT NULL,
    -- Character offsets into the article's plain text.
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    value        REAL NOT NULL,
    value_max    REAL,
    unit         TEXT NOT NULL,
    comparator   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    aspirational INTEGER NOT NULL,
    sector       TEXT NOT NULL,
    -- Region and plan year as the document states them; NULL when it does not.
    region       TEXT,
    year         INTEGER,
    PRIMARY KEY (article_id, position)
);

CREATE INDEX article_targets_sector ON article_targets (sector);
