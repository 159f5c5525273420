-- Issue 15: an old address may lead to a channel (a DedeCMS list page: `/a/news/`,
-- `/a/news/index.html`, `/plus/list.php?tid=N`) as well as to an article.
--
-- One table with a nullable `channel_id` beside `article_id` rather than a second table: the
-- primary key stays the single key space of old paths, so a path leads to one place by
-- construction (no cross-table check to race), and the 404 fallback stays one point query. The
-- CHECK says exactly one target is set; each reference cascades, so deleting an article or a
-- channel takes its old paths with it.
ALTER TABLE redirects ALTER COLUMN article_id DROP NOT NULL;
ALTER TABLE redirects ADD COLUMN channel_id BIGINT REFERENCES channels(id) ON DELETE CASCADE;
ALTER TABLE redirects ADD CONSTRAINT redirects_one_target
    CHECK ((article_id IS NULL) <> (channel_id IS NULL));
CREATE INDEX redirects_channel ON redirects(channel_id);
