-- Editors in control of the policy intelligence: corrections kept beside the derived rows.
-- The content layer derives an article's rows as extraction ∘ corrections every time it extracts
-- (save, import, re-extraction), so a correction survives any number of re-extractions; the
-- corrections themselves are never derived and never rewritten by an extraction.

-- Hidden rows stay stored (the admin lists them with 恢复) but appear on no public page, count or
-- export. Origin says where a row's values come from: the text, an editor's correction of what was
-- read from it, or a target the editor added.
ALTER TABLE article_targets ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
ALTER TABLE article_targets ADD COLUMN origin TEXT NOT NULL DEFAULT 'extracted' CHECK (origin IN ('extracted', 'corrected', 'added'));

-- One editor's decision about one target. hide and correct name the extracted target they apply
-- to by its clause, value and unit as read from the text (not its position, which moves when
-- other text is edited); a correction whose clause is no longer in the text stays, and the admin
-- lists it as 原文已无此句. correct and add carry the editor's values (NULL: keep the extracted one).
CREATE TABLE target_corrections (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    action       TEXT NOT NULL CHECK (action IN ('hide', 'correct', 'add')),
    match_text   TEXT,
    match_value  REAL,
    match_unit   TEXT,
    text         TEXT,
    indicator    TEXT,
    value        REAL,
    value_max    REAL,
    unit         TEXT,
    comparator   TEXT,
    kind         TEXT,
    aspirational INTEGER CHECK (aspirational IN (0, 1)),
    year         INTEGER,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    user_name    TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX target_corrections_article ON target_corrections (article_id, id);

-- An editor's corrections of what the document is: each NULL column means "as extracted". panel
-- says whether the article page shows its 量化目标: auto (only for policy documents), on, off.
CREATE TABLE document_corrections (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT,
    issuer     TEXT,
    region     TEXT,
    year       INTEGER,
    panel      TEXT NOT NULL DEFAULT 'auto' CHECK (panel IN ('auto', 'on', 'off')),
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    user_name  TEXT NOT NULL,
    at         TEXT NOT NULL
);
