-- Media (issue 13, D): the image library's alt text, attachments and their place in articles.

-- Alt text an editor gives an image in the library (empty: none given).
ALTER TABLE images ADD COLUMN alt TEXT NOT NULL DEFAULT '';

-- Attachments (PDF, Word, Excel, PowerPoint, ZIP): the file is stored through the uploads store
-- under a content-addressed name, so one file uploaded twice is one row (the first name wins).
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    file_name     TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    mime          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    uploaded_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL
);

-- An article's attachments, in the order shown under it.
CREATE TABLE article_attachments (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (article_id, attachment_id)
);
CREATE INDEX article_attachments_attachment ON article_attachments (attachment_id);

-- The list under a public article is part of its page: cached pages go out of date with it.
CREATE TRIGGER article_attachments_insert_version AFTER INSERT ON article_attachments
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_attachments_update_version AFTER UPDATE ON article_attachments
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_attachments_delete_version AFTER DELETE ON article_attachments
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
