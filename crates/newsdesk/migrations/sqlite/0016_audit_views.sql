-- Issue 13, audit & account. The audit log names any kind of subject (not only articles) and the
-- client address; sessions record where and with what they were opened and when last used, so an
-- editor can see and end them; views are also kept per article per day (issue 14's 热门 and the
-- newsroom's statistics read them).

-- Existing article lines get their subject from the article columns, which stay.
ALTER TABLE audit_log ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN subject_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN subject_id INTEGER;
ALTER TABLE audit_log ADD COLUMN subject_label TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET subject_kind = 'article', subject_id = article_id, subject_label = article_title
    WHERE article_id IS NOT NULL;
-- The audit page filters by user, action and subject kind, newest first.
CREATE INDEX audit_log_user ON audit_log (user_name, at DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, at DESC);

-- last_seen_at is refreshed at most once a minute per session (not a write per request).
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;

-- Views per article per day, the day in the site's time zone ('YYYY-MM-DD'), written by the view
-- counter's flush in the same transaction as articles.views. Not part of the content version:
-- views never invalidate cached pages.
CREATE TABLE article_views_daily (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    views      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, day)
);
-- 热门 of the last N days and the views-per-day chart are range scans over the day.
CREATE INDEX article_views_daily_day ON article_views_daily (day, article_id);
