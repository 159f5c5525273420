-- Issue 14, link push (百度普通收录): articles whose public URL is new or changed, waiting to be
-- pushed to the search engine's submission API. Triggers fill it on every write path (newsroom,
-- API, scheduler, importer, other nodes) but only while the push is switched on
-- (`site.baidu_push` = true), so switching it on does not push the whole archive. One row per
-- article: a change while a push is under way bumps `generation`, and the push that claimed the
-- older generation leaves the row for the next round. `next_at` NULL means due now; a claim sets
-- `claimed_until` (a lease, so a crashed node's claim runs out) and counts the attempt.
CREATE TABLE site_push_queue (
    article_id    INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    generation    INTEGER NOT NULL DEFAULT 1,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TEXT,
    claimed_until TEXT,
    last_error    TEXT NOT NULL DEFAULT ''
);

CREATE TRIGGER site_push_insert AFTER INSERT ON articles
    WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM settings WHERE key = 'site.baidu_push' AND value = 'true')
BEGIN
    INSERT INTO site_push_queue (article_id) VALUES (NEW.id)
    ON CONFLICT (article_id) DO UPDATE SET generation = generation + 1, attempts = 0,
        next_at = NULL, claimed_until = NULL;
END;

CREATE TRIGGER site_push_update AFTER UPDATE OF slug, title, summary, body_html, status, deleted_at
    ON articles
    WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL
     AND (OLD.status IS NOT NEW.status OR OLD.deleted_at IS NOT NEW.deleted_at
          OR OLD.slug IS NOT NEW.slug OR OLD.title IS NOT NEW.title
          OR OLD.summary IS NOT NEW.summary OR OLD.body_html IS NOT NEW.body_html)
     AND EXISTS (SELECT 1 FROM settings WHERE key = 'site.baidu_push' AND value = 'true')
BEGIN
    INSERT INTO site_push_queue (article_id) VALUES (NEW.id)
    ON CONFLICT (article_id) DO UPDATE SET generation = generation + 1, attempts = 0,
        next_at = NULL, claimed_until = NULL;
END;
