-- Issue 14, link push (百度普通收录): see migrations/sqlite/0020_site_push.sql. Nodes claim rows
-- with FOR UPDATE SKIP LOCKED and a lease (`claimed_until`), so each URL is pushed by one node.
CREATE TABLE site_push_queue (
    article_id    BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    generation    BIGINT NOT NULL DEFAULT 1,
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       TIMESTAMPTZ,
    claimed_until TIMESTAMPTZ,
    last_error    TEXT NOT NULL DEFAULT ''
);

CREATE FUNCTION site_push_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'published' AND NEW.deleted_at IS NULL
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
            OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.slug IS DISTINCT FROM NEW.slug
            OR OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
            OR OLD.body_html IS DISTINCT FROM NEW.body_html)
       AND EXISTS (SELECT 1 FROM settings WHERE key = 'site.baidu_push' AND value = 'true') THEN
        INSERT INTO site_push_queue (article_id) VALUES (NEW.id)
        ON CONFLICT (article_id) DO UPDATE SET generation = site_push_queue.generation + 1,
            attempts = 0, next_at = NULL, claimed_until = NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER site_push_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION site_push_enqueue();
CREATE TRIGGER site_push_update AFTER UPDATE OF slug, title, summary, body_html, status, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION site_push_enqueue();
