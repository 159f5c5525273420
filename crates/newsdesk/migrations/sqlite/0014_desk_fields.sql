-- The editors' desk (issue 13): 推荐 / 置顶 / 头条 flags, per-article SEO fields and each
-- account's default 作者 / 来源. The site-wide defaults are `settings` keys (desk.default_author,
-- desk.default_source), so they need no schema.
ALTER TABLE articles ADD COLUMN flag_featured INTEGER NOT NULL DEFAULT 0 CHECK (flag_featured IN (0, 1));
ALTER TABLE articles ADD COLUMN flag_pinned INTEGER NOT NULL DEFAULT 0 CHECK (flag_pinned IN (0, 1));
ALTER TABLE articles ADD COLUMN flag_headline INTEGER NOT NULL DEFAULT 0 CHECK (flag_headline IN (0, 1));
ALTER TABLE articles ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_keywords TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';

-- "The latest published articles with flag X" (the home page's 头条, 焦点图, pinned lists): partial
-- indexes stay as small as the flagged set.
CREATE INDEX articles_featured ON articles (published_at DESC) WHERE flag_featured = 1 AND status = 'published';
CREATE INDEX articles_pinned ON articles (published_at DESC) WHERE flag_pinned = 1 AND status = 'published';
CREATE INDEX articles_headline ON articles (published_at DESC) WHERE flag_headline = 1 AND status = 'published';

-- Flags and SEO fields change what pages show (the home page, <title> and meta tags).
CREATE TRIGGER articles_update_desk_version AFTER UPDATE OF
    flag_featured, flag_pinned, flag_headline, seo_title, seo_keywords, seo_description ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

ALTER TABLE users ADD COLUMN default_author TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN default_source TEXT NOT NULL DEFAULT '';
