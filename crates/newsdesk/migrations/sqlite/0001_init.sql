-- The portal's core model: channels, articles, tags, site settings.
-- Times are stored in UTC as RFC 3339 text (sqlx's chrono encoding), shown in the site's zone.

CREATE TABLE channels (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    slug     TEXT NOT NULL UNIQUE,
    -- Lower first in navigation.
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL CHECK (length(title) > 0),
    author       TEXT,
    source       TEXT,
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    summary      TEXT NOT NULL DEFAULT '',
    -- What the editor or importer wrote ('markdown' or 'html') and the sanitized HTML made from it.
    body_format  TEXT NOT NULL CHECK (body_format IN ('markdown', 'html')),
    body_source  TEXT NOT NULL,
    body_html    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at TEXT,
    views        INTEGER NOT NULL DEFAULT 0,
    -- Identity of an imported page (normalized headline + publish minute), so re-imports update.
    import_key   TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Public listings: newest published first, per channel and overall.
CREATE INDEX articles_channel_published ON articles (channel_id, status, published_at DESC);
CREATE INDEX articles_published ON articles (status, published_at DESC);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);

-- Site settings and internal markers (such as when demo content was loaded), as key/value pairs so
-- new settings need no schema change.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
