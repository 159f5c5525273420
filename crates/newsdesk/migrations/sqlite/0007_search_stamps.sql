-- What the search index must agree with. Each article has a stamp that moves on with every change
-- to anything the index holds of it: its indexed columns and status, its tags (links and names),
-- its channel's name and slug, its deletion. Triggers keep it, so every writer counts (the server,
-- `newsdesk import` beside it, another node) without any write path having to remember. Each index
-- document records the stamp it was built from; at start, and in `newsdesk check`, the (id, stamp)
-- pairs of published articles are compared with the index's and only what differs is re-indexed.
-- A separate narrow table, not a column of `articles`: the start-up check reads it for every
-- published article (through `articles_published` and this primary key, never the wide rows), and
-- tag-link triggers bump it several times per save, which must not rewrite bodies.
-- Rows outlive their article, so a reused id keeps counting up and never repeats an old stamp.
CREATE TABLE search_stamps (
    article_id INTEGER PRIMARY KEY,
    stamp      INTEGER NOT NULL
);
INSERT INTO search_stamps (article_id, stamp) SELECT id, 1 FROM articles;

CREATE TRIGGER articles_insert_stamp AFTER INSERT ON articles
BEGIN
    INSERT OR IGNORE INTO search_stamps (article_id, stamp) VALUES (NEW.id, 0);
    UPDATE search_stamps SET stamp = stamp + 1 WHERE article_id = NEW.id;
END;
CREATE TRIGGER articles_update_stamp AFTER UPDATE OF
    slug, title, channel_id, summary, body_html, status, published_at, deleted_at ON articles
BEGIN
    INSERT OR IGNORE INTO search_stamps (article_id, stamp) VALUES (NEW.id, 0);
    UPDATE search_stamps SET stamp = stamp + 1 WHERE article_id = NEW.id;
END;
CREATE TRIGGER articles_delete_stamp AFTER DELETE ON articles
BEGIN
    UPDATE search_stamps SET stamp = stamp + 1 WHERE article_id = OLD.id;
END;

CREATE TRIGGER article_tags_insert_stamp AFTER INSERT ON article_tags
BEGIN
    UPDATE search_stamps SET stamp = stamp + 1 WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER article_tags_delete_stamp AFTER DELETE ON article_tags
BEGIN
    UPDATE search_stamps SET stamp = stamp + 1 WHERE article_id = OLD.article_id;
END;
-- `WHEN`: saving an article upserts its tags with `SET name = name`, which must not touch every
-- article sharing a tag.
CREATE TRIGGER tags_update_stamp AFTER UPDATE OF name ON tags WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE search_stamps SET stamp = stamp + 1
    WHERE article_id IN (SELECT article_id FROM article_tags WHERE tag_id = NEW.id);
END;

CREATE TRIGGER channels_update_stamp AFTER UPDATE OF name, slug ON channels
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    UPDATE search_stamps SET stamp = stamp + 1
    WHERE article_id IN (SELECT id FROM articles WHERE channel_id = NEW.id);
END;
