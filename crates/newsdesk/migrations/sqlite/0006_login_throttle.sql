-- Login throttling that holds under concurrent guesses and cannot be turned against the owner
-- (the rules themselves live in `auth::throttle`; the store only counts).
--
-- `login_failures` was checked before the password and written after it, so a burst of guesses
-- all passed the check. Now every attempt is first reserved as a row here, in the same write
-- transaction that counts the rows before it; a refused attempt's row is deleted again, a failed
-- attempt's row stays as its failure, and a success deletes its client's rows for the account.
-- The old rows only ever lived 15 minutes, so nothing worth keeping is dropped.
DROP TABLE login_failures;

CREATE TABLE login_attempts (
    id      INTEGER PRIMARY KEY,
    -- The name typed, case-insensitive like users.name.
    account TEXT NOT NULL COLLATE NOCASE,
    -- Who tried: the client's address, or `device:<login_devices.id>` for a browser that holds a
    -- device cookie for this account, so other clients' failures never count against it.
    client  TEXT NOT NULL,
    at      TEXT NOT NULL
);
-- Per (account, client) and, by its prefix, per account.
CREATE INDEX login_attempts_pair ON login_attempts (account, client, at);
-- Per client across accounts (password spraying).
CREATE INDEX login_attempts_client ON login_attempts (client, at);

-- Device cookies: a random token set on a successful sign-in, stored hashed like sessions. A
-- browser presenting one for the account it signs in to is exempt from the per-account limit, so
-- an attacker failing from other addresses cannot lock the owner out.
CREATE TABLE login_devices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX login_devices_user ON login_devices (user_id);
