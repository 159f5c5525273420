-- Issue 15 (moving a site here): what an imported page says about where it came from, and the
-- old addresses that must keep working.
--
-- Origin facts of an article, kept as nullable columns: most articles have none, and they are read
-- with the article page. 责任编辑, and for a government notice (公文) its 发布机构, 文号 and
-- 成文日期 (YYYY-MM-DD); the source URL is the page's address on the old site.
ALTER TABLE articles ADD COLUMN editor TEXT;
ALTER TABLE articles ADD COLUMN notice_issuer TEXT;
ALTER TABLE articles ADD COLUMN notice_number TEXT;
ALTER TABLE articles ADD COLUMN notice_written_on TEXT;
ALTER TABLE articles ADD COLUMN source_url TEXT;

-- The article page shows them, and pages are cached per content version.
CREATE TRIGGER articles_update_origin_version AFTER UPDATE OF
    editor, notice_issuer, notice_number, notice_written_on, source_url ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

-- Old paths (path plus query, percent-decoding normalized, host dropped) answered with a 301 to
-- the article. The primary key is the index the 404 fallback looks up: one point query however
-- many old paths there are. An article deleted takes its old paths with it.
CREATE TABLE redirects (
    path       TEXT PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX redirects_article ON redirects(article_id);
