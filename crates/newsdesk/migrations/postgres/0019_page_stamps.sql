-- Page stamps: see migrations/sqlite/0025_page_stamps.sql. Rows outlive their article.
CREATE TABLE page_stamps (
    article_id BIGINT PRIMARY KEY,
    stamp      BIGINT NOT NULL
);
INSERT INTO page_stamps (article_id, stamp) SELECT id, 1 FROM articles;

CREATE FUNCTION bump_page_stamp(article BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO page_stamps (article_id, stamp) VALUES (article, 1)
    ON CONFLICT (article_id) DO UPDATE SET stamp = page_stamps.stamp + 1;
$$;

-- Row triggers of tables keyed by `article_id` (and `articles` itself, keyed by `id`).
CREATE FUNCTION article_row_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'articles' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM bump_page_stamp(OLD.id);
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.id IS DISTINCT FROM OLD.id) THEN
            PERFORM bump_page_stamp(NEW.id);
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM bump_page_stamp(OLD.article_id);
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.article_id IS DISTINCT FROM OLD.article_id) THEN
            PERFORM bump_page_stamp(NEW.article_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_page_stamp AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();
-- Every column but `views`; a column added to `articles` is added here (the store's tests update
-- each column the table has and check that the stamp moves).
CREATE TRIGGER articles_update_page_stamp AFTER UPDATE OF
    id, slug, title, author, source, channel_id, summary, body_format, body_source, body_html,
    status, published_at, import_key, created_at, updated_at, version, deleted_at, cover_image,
    summary_auto, pending_revision_id, review_comment, flag_featured, flag_pinned, flag_headline,
    seo_title, seo_keywords, seo_description, editor, notice_issuer, notice_number,
    notice_written_on, source_url ON articles
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();
CREATE TRIGGER article_tags_page_stamp AFTER INSERT OR DELETE ON article_tags
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();
CREATE TRIGGER article_documents_page_stamp AFTER INSERT OR UPDATE OR DELETE ON article_documents
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();
CREATE TRIGGER document_corrections_page_stamp
    AFTER INSERT OR UPDATE OR DELETE ON document_corrections
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();
CREATE TRIGGER article_attachments_page_stamp
    AFTER INSERT OR UPDATE OR DELETE ON article_attachments
    FOR EACH ROW EXECUTE FUNCTION article_row_page_stamp();

-- Targets are written by the hundred (a save re-extracts them, an import writes millions): one
-- statement trigger per statement, over the rows it wrote, instead of one call per row.
CREATE FUNCTION article_targets_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_page_stamp(article_id) FROM (SELECT DISTINCT article_id FROM new_rows) r;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bump_page_stamp(article_id) FROM (SELECT DISTINCT article_id FROM old_rows) r;
    ELSE
        PERFORM bump_page_stamp(article_id) FROM (
            SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows
        ) r;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER article_targets_insert_page_stamp AFTER INSERT ON article_targets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_targets_page_stamp();
CREATE TRIGGER article_targets_update_page_stamp AFTER UPDATE ON article_targets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_targets_page_stamp();
CREATE TRIGGER article_targets_delete_page_stamp AFTER DELETE ON article_targets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_targets_page_stamp();

-- `WHEN`: saving an article upserts its tags with `SET name = name`, which must not touch every
-- article sharing a tag.
CREATE FUNCTION tags_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_page_stamp(article_id) FROM article_tags WHERE tag_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER tags_update_page_stamp AFTER UPDATE OF name, slug ON tags
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.slug IS DISTINCT FROM NEW.slug)
    EXECUTE FUNCTION tags_page_stamp();

CREATE FUNCTION channels_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_page_stamp(id) FROM articles WHERE channel_id = NEW.id;
    RETURN NULL;
END $$;
-- Not `position` (see the SQLite migration).
CREATE TRIGGER channels_update_page_stamp AFTER UPDATE OF name, slug ON channels
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.slug IS DISTINCT FROM NEW.slug)
    EXECUTE FUNCTION channels_page_stamp();

-- An attachment's own row (its name and size) shows in the list under each article using it.
CREATE FUNCTION attachments_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_page_stamp(article_id) FROM article_attachments WHERE attachment_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER attachments_update_page_stamp AFTER UPDATE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_page_stamp();
