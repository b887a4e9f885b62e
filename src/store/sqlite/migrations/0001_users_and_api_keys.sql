-- Companies, users and API keys. Timestamps are microseconds since the Unix epoch (UTC).

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- Lower-cased, trimmed, inner white space collapsed, NFC: the name's identity.
    name_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT companies_name_key_unique UNIQUE (name_key)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- The lower-cased e-mail: unique among all users, soft-deleted ones included.
    email_key TEXT NOT NULL,
    password_hash TEXT,
    type TEXT NOT NULL CHECK (type IN ('admin', 'client', 'vendor')),
    phone TEXT,
    company_id INTEGER REFERENCES companies (id),
    is_verified INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER,
    CONSTRAINT users_email_key_unique UNIQUE (email_key)
);

CREATE INDEX users_company_id ON users (company_id);
CREATE INDEX users_active_admins ON users (type) WHERE deleted_at IS NULL;

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    -- The first characters of the key, shown in listings so an owner can tell keys apart.
    prefix TEXT NOT NULL,
    -- Hex SHA-256 of the whole key; the key itself is never stored.
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at INTEGER,
    revoked_at INTEGER,
    CONSTRAINT api_keys_hash_unique UNIQUE (hash)
);

CREATE INDEX api_keys_user_id ON api_keys (user_id);

-- One row once the first admin exists, so that exactly one instance creates it.
CREATE TABLE setup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    admin_created_at INTEGER NOT NULL
);
