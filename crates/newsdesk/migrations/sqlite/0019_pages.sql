-- Issue 14, pages: channel trees (two levels), tag slugs, 专题 (topics) and single pages
-- (关于我们, 联系我们 …). Every new table moves the content version, so cached pages follow.

-- A channel's parent (NULL for a top-level channel). At most two levels: the admin refuses a
-- parent that has a parent itself, or a parent for a channel that has children.
ALTER TABLE channels ADD COLUMN parent_id INTEGER REFERENCES channels(id) ON DELETE RESTRICT;
ALTER TABLE channels ADD COLUMN description TEXT NOT NULL DEFAULT '';
CREATE INDEX channels_parent ON channels (parent_id);

-- A tag's URL segment when it has one (imports bring them); otherwise its name is the segment.
ALTER TABLE tags ADD COLUMN slug TEXT;
CREATE UNIQUE INDEX tags_slug ON tags (slug) WHERE slug IS NOT NULL;

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL CHECK (length(title) > 0),
    intro       TEXT NOT NULL DEFAULT '',
    cover_image TEXT,
    -- Lower first in the topics index.
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A topic's articles in the editor's order (lower first).
CREATE TABLE topic_articles (
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, article_id)
);
CREATE INDEX topic_articles_article ON topic_articles (article_id);

CREATE TABLE pages (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL CHECK (length(title) > 0),
    body_format    TEXT NOT NULL DEFAULT 'html' CHECK (body_format IN ('markdown', 'html')),
    body_source    TEXT NOT NULL DEFAULT '',
    body_html      TEXT NOT NULL DEFAULT '',
    show_in_footer BOOLEAN NOT NULL DEFAULT 0,
    show_in_nav    BOOLEAN NOT NULL DEFAULT 0,
    position       INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);

CREATE TRIGGER topics_insert_version AFTER INSERT ON topics
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER topics_update_version AFTER UPDATE ON topics
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER topics_delete_version AFTER DELETE ON topics
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER topic_articles_insert_version AFTER INSERT ON topic_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER topic_articles_update_version AFTER UPDATE ON topic_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER topic_articles_delete_version AFTER DELETE ON topic_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER pages_insert_version AFTER INSERT ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER pages_update_version AFTER UPDATE ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER pages_delete_version AFTER DELETE ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
-- A new tag shows on no page until linked (article_tags moves the version then).
