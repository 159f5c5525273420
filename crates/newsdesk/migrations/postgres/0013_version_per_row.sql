-- The content version moved on every statement that *could* change content, even one that
-- matched no rows: the scheduler's every-2-seconds "publish what is due" UPDATE moved it on
-- every node, so every cached page was rendered again every 2 seconds. Row-level triggers fire
-- only for rows actually written; the function bumps once per transaction however many rows.
CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('newsdesk.content_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE content_version SET version = version + 1 WHERE id = 1;
        PERFORM pg_notify('newsdesk_content', '');
        -- Transaction-local: reset when this transaction ends.
        PERFORM set_config('newsdesk.content_bumped', 'on', true);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER articles_version ON articles;
CREATE TRIGGER articles_version AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER articles_update_version ON articles;
CREATE TRIGGER articles_update_version AFTER UPDATE OF
    slug, title, author, source, channel_id, summary, body_format, body_source, body_html, status,
    published_at, version, deleted_at, cover_image ON articles
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER articles_update_desk_version ON articles;
CREATE TRIGGER articles_update_desk_version AFTER UPDATE OF
    flag_featured, flag_pinned, flag_headline, seo_title, seo_keywords, seo_description ON articles
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER channels_version ON channels;
CREATE TRIGGER channels_version AFTER INSERT OR UPDATE OR DELETE ON channels
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER tags_version ON tags;
CREATE TRIGGER tags_version AFTER UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER article_tags_version ON article_tags;
CREATE TRIGGER article_tags_version AFTER INSERT OR DELETE ON article_tags
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER article_attachments_version ON article_attachments;
CREATE TRIGGER article_attachments_version AFTER INSERT OR UPDATE OR DELETE ON article_attachments
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER topics_version ON topics;
CREATE TRIGGER topics_version AFTER INSERT OR UPDATE OR DELETE ON topics
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER topic_articles_version ON topic_articles;
CREATE TRIGGER topic_articles_version AFTER INSERT OR UPDATE OR DELETE ON topic_articles
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
DROP TRIGGER pages_version ON pages;
CREATE TRIGGER pages_version AFTER INSERT OR UPDATE OR DELETE ON pages
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
