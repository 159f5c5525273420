-- Issue 15: an old address may lead to a channel (a DedeCMS list page: `/a/news/`,
-- `/a/news/index.html`, `/plus/list.php?tid=N`) as well as to an article.
--
-- One table with a nullable `channel_id` beside `article_id` rather than a second table: the
-- primary key stays the single key space of old paths, so a path leads to one place by
-- construction (no cross-table check to race), and the 404 fallback stays one point query. The
-- CHECK says exactly one target is set; each reference cascades, so deleting an article or a
-- channel takes its old paths with it.
--
-- SQLite cannot add a CHECK or make a column nullable in place: the table is rebuilt (nothing
-- references `redirects`, so dropping the old one is safe with foreign keys on), rows kept.
CREATE TABLE redirects_new (
    path       TEXT PRIMARY KEY NOT NULL,
    article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    channel_id INTEGER REFERENCES channels(id) ON DELETE CASCADE,
    CHECK ((article_id IS NULL) <> (channel_id IS NULL))
);
INSERT INTO redirects_new (path, article_id) SELECT path, article_id FROM redirects;
DROP TABLE redirects;
ALTER TABLE redirects_new RENAME TO redirects;
CREATE INDEX redirects_article ON redirects(article_id);
CREATE INDEX redirects_channel ON redirects(channel_id);
