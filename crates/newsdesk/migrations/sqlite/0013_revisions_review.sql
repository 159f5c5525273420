-- Revisions and review (三审): every save keeps a revision; a published article's staged edit is
-- a pending revision that goes live on 更新发布; roles contributor/editor/chief/admin; articles
-- gain the statuses pending (待审) and returned (退回, with the reviewer's comment).
--
-- SQLite cannot alter a CHECK constraint, and rebuilding `articles` or `users` would cascade
-- deletes to their children (with foreign keys on) and lose columns other migrations add. SQLite
-- documents a narrower way for exactly this case (lang_altertable.html, "removing CHECK ...
-- constraints"): edit the constraint's text in the schema table. Only the allowed values widen;
-- no stored row changes and every existing row still satisfies the new constraint. The schema is
-- reloaded at once (RESET) and the CREATE TABLE below bumps the schema cookie, so every other
-- connection re-reads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (status IN (''draft'', ''scheduled'', ''published''))',
    'CHECK (status IN (''draft'', ''scheduled'', ''published'', ''pending'', ''returned''))')
WHERE type = 'table' AND name = 'articles';
UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (role IN (''admin'', ''editor''))',
    'CHECK (role IN (''admin'', ''editor'', ''contributor'', ''chief''))')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;

-- One row per save (and per restore, staged edit, approval). `number` counts 1, 2, 3… per
-- article so editors can name a revision; title, summary and body are the article's text at that
-- save. `fields` holds, for a staged edit, the rest of the form (author, source, channel, tags,
-- cover, slug) as JSON, so 更新发布 publishes exactly what was staged.
CREATE TABLE article_revisions (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- Kept even if the account is deleted later.
    user_name   TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    body_format TEXT NOT NULL,
    body_source TEXT NOT NULL,
    -- save | pending | published | restore | import
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT ''
);
-- Numbers are unique per article; the index also serves the history's listing.
CREATE UNIQUE INDEX article_revisions_number ON article_revisions (article_id, number);

-- The staged edit of a published article (a row of article_revisions), NULL when none. No
-- foreign key: revisions reference articles, and a copy between databases inserts articles first.
ALTER TABLE articles ADD COLUMN pending_revision_id INTEGER;
-- The reviewer's comment when an article was sent back (退回); cleared on approval.
ALTER TABLE articles ADD COLUMN review_comment TEXT NOT NULL DEFAULT '';
CREATE INDEX articles_review ON articles (status) WHERE status = 'pending' OR pending_revision_id IS NOT NULL;
