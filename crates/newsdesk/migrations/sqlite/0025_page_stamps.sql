-- Page stamps: what an article page reads of its own article. Each article has a stamp that moves
-- on with every change to anything its page shows of it: any column of the article but its view
-- count, its tags (links, names and addresses), its channel's name and address, its
-- targets, its policy-document facts and the editors' corrections, its attachments. The server
-- keeps what it derived from an article (the body with its targets marked, the 量化目标 panel)
-- by `(id, stamp)`, so a write elsewhere on the site, which makes every cached page stale, does not
-- make this article's own reading and marking be done again. Triggers keep the stamp, so every
-- writer counts (the server, `newsdesk import`, another node) without any write path having to
-- remember. Like `search_stamps`, a narrow table of its own, and its rows outlive their article,
-- so a reused id never repeats an old stamp.
CREATE TABLE page_stamps (
    article_id INTEGER PRIMARY KEY,
    stamp      INTEGER NOT NULL
);
INSERT INTO page_stamps (article_id, stamp) SELECT id, 1 FROM articles;

-- Each trigger bumps with an upsert, so an article without a row (none should lack one) still gets
-- a stamp that moves.

CREATE TRIGGER articles_insert_page_stamp AFTER INSERT ON articles
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
-- Every column but `views` (the counter's flushes change only that, and the page splices in the
-- live count). A column added to `articles` is added here: the store's tests update each column
-- the table has and check that the stamp moves.
CREATE TRIGGER articles_update_page_stamp AFTER UPDATE OF
    id, slug, title, author, source, channel_id, summary, body_format, body_source, body_html,
    status, published_at, import_key, created_at, updated_at, version, deleted_at, cover_image,
    summary_auto, pending_revision_id, review_comment, flag_featured, flag_pinned, flag_headline,
    seo_title, seo_keywords, seo_description, editor, notice_issuer, notice_number,
    notice_written_on, source_url ON articles
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM (SELECT OLD.id AS id UNION SELECT NEW.id) WHERE true
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER articles_delete_page_stamp AFTER DELETE ON articles
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER article_tags_insert_page_stamp AFTER INSERT ON article_tags
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_tags_delete_page_stamp AFTER DELETE ON article_tags
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER article_targets_insert_page_stamp AFTER INSERT ON article_targets
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_targets_update_page_stamp AFTER UPDATE ON article_targets
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM (SELECT OLD.article_id AS id UNION SELECT NEW.article_id) WHERE true
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_targets_delete_page_stamp AFTER DELETE ON article_targets
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER article_documents_insert_page_stamp AFTER INSERT ON article_documents
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_documents_update_page_stamp AFTER UPDATE ON article_documents
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM (SELECT OLD.article_id AS id UNION SELECT NEW.article_id) WHERE true
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_documents_delete_page_stamp AFTER DELETE ON article_documents
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER document_corrections_insert_page_stamp AFTER INSERT ON document_corrections
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER document_corrections_update_page_stamp AFTER UPDATE ON document_corrections
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM (SELECT OLD.article_id AS id UNION SELECT NEW.article_id) WHERE true
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER document_corrections_delete_page_stamp AFTER DELETE ON document_corrections
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER article_attachments_insert_page_stamp AFTER INSERT ON article_attachments
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (NEW.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_attachments_update_page_stamp AFTER UPDATE ON article_attachments
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM (SELECT OLD.article_id AS id UNION SELECT NEW.article_id) WHERE true
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER article_attachments_delete_page_stamp AFTER DELETE ON article_attachments
BEGIN
    INSERT INTO page_stamps (article_id, stamp) VALUES (OLD.article_id, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;

-- `WHEN`: saving an article upserts its tags with `SET name = name`, which must not touch every
-- article sharing a tag.
CREATE TRIGGER tags_update_page_stamp AFTER UPDATE OF name, slug ON tags
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT article_id, 1 FROM article_tags WHERE tag_id = NEW.id
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
-- Not `position`: the page does not show it, and reordering the channels must not rewrite the
-- stamp of every article on the site inside that write.
CREATE TRIGGER channels_update_page_stamp AFTER UPDATE OF name, slug ON channels
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT id, 1 FROM articles WHERE channel_id = NEW.id
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
-- An attachment's own row (its name and size) shows in the list under each article using it.
CREATE TRIGGER attachments_update_page_stamp AFTER UPDATE ON attachments
BEGIN
    INSERT INTO page_stamps (article_id, stamp)
    SELECT article_id, 1 FROM article_attachments WHERE attachment_id = NEW.id
    ON CONFLICT (article_id) DO UPDATE SET stamp = stamp + 1;
END;
