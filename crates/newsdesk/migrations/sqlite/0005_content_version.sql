-- A counter that moves on whenever content shown on pages changes, kept by triggers so that every
-- writer counts: this server, `newsdesk import` run beside it, another node. Servers poll it to
-- know when their cached pages are out of date. View counts (articles.views) are left out on
-- purpose: they change every second and are spliced into cached pages live.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);

CREATE TRIGGER articles_insert_version AFTER INSERT ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_delete_version AFTER DELETE ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_update_version AFTER UPDATE OF
    slug, title, author, source, channel_id, summary, body_format, body_source, body_html, status,
    published_at, version, deleted_at, cover_image ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER channels_insert_version AFTER INSERT ON channels
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER channels_update_version AFTER UPDATE ON channels
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER channels_delete_version AFTER DELETE ON channels
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tags_update_version AFTER UPDATE ON tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tags_delete_version AFTER DELETE ON tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_tags_insert_version AFTER INSERT ON article_tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_tags_delete_version AFTER DELETE ON article_tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

-- Site settings, not internal markers.
CREATE TRIGGER settings_insert_version AFTER INSERT ON settings WHEN NEW.key LIKE 'site.%'
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_update_version AFTER UPDATE ON settings WHEN NEW.key LIKE 'site.%'
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
