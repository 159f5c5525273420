-- The search index's change log (the outbox): one row per search-stamp change, which every server
-- on this database applies to its own index in `seq` order, remembering how far it got. SQLite
-- commits one writer at a time, so `seq` order is commit order; `xid` is kept at 0 so the cursor
-- has the same shape as PostgreSQL's (xid, seq).
CREATE TABLE index_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    xid        INTEGER NOT NULL DEFAULT 0,
    article_id INTEGER NOT NULL,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX index_changes_at ON index_changes (at);

CREATE TRIGGER search_stamps_insert_change AFTER INSERT ON search_stamps
BEGIN INSERT INTO index_changes (article_id) VALUES (NEW.article_id); END;
CREATE TRIGGER search_stamps_update_change AFTER UPDATE ON search_stamps
BEGIN INSERT INTO index_changes (article_id) VALUES (NEW.article_id); END;
