-- The newsroom: accounts, sessions, login throttling, API tokens, the audit log, uploaded images,
-- and what editing articles needs (optimistic concurrency, a trash, a cover image).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Login name; case-insensitive so 'Admin' and 'admin' cannot both exist.
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    -- Argon2id in PHC string format; never a plain password.
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- Browser sessions. Only the SHA-256 of the cookie's token is stored, so a copy of the database
-- does not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Sent back with every state-changing request (form field or header).
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, counted per account and per client address within a window; kept in the
-- database (not in memory) so several web nodes share one count.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    account TEXT NOT NULL COLLATE NOCASE,
    ip      TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Publishing-API tokens, stored hashed like sessions; revoked tokens are kept for the record.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- Stale saves: every change bumps `version`; a save names the version it started from and is
-- refused if the article has moved on since.
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- In the trash since this time (restorable for 30 days, then purged); NULL when not deleted.
ALTER TABLE articles ADD COLUMN deleted_at TEXT;
-- URL of the cover image (an upload under /uploads/), if any.
ALTER TABLE articles ADD COLUMN cover_image TEXT;
CREATE INDEX articles_scheduled ON articles (status, published_at) WHERE status = 'scheduled';

-- Who did what to which article, and when. No foreign key to articles: the record outlives a purge.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    user_name     TEXT NOT NULL,
    action        TEXT NOT NULL,
    article_id    INTEGER,
    article_title TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);

-- Uploaded images; the files live under <data>/uploads/, named by content hash and size.
CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    file_name     TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    mime          TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    uploaded_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL
);
