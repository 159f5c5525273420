-- See migrations/sqlite/0014_desk_fields.sql.
ALTER TABLE articles ADD COLUMN flag_featured BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE articles ADD COLUMN flag_pinned BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE articles ADD COLUMN flag_headline BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE articles ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_keywords TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';

CREATE INDEX articles_featured ON articles (published_at DESC) WHERE flag_featured AND status = 'published';
CREATE INDEX articles_pinned ON articles (published_at DESC) WHERE flag_pinned AND status = 'published';
CREATE INDEX articles_headline ON articles (published_at DESC) WHERE flag_headline AND status = 'published';

CREATE TRIGGER articles_update_desk_version AFTER UPDATE OF
    flag_featured, flag_pinned, flag_headline, seo_title, seo_keywords, seo_description ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();

ALTER TABLE users ADD COLUMN default_author TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN default_source TEXT NOT NULL DEFAULT '';
