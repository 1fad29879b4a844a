-- ovo-store schema 1 (SQLite). Times are Unix nanoseconds (BIGINT); sealed columns hold
-- AES-256-GCM output (format byte, nonce, ciphertext, tag) under the key named in key_id.

-- A bound customer's tokens (ovo_flows::CustomerTokens as sealed JSON).
CREATE TABLE ovo_customer_tokens (
    customer TEXT PRIMARY KEY NOT NULL,
    key_id   TEXT NOT NULL,
    sealed   BLOB NOT NULL,
    revision BIGINT NOT NULL
);

-- Flows: state in clear (it holds no secret), secrets sealed; revision for compare-and-swap.
CREATE TABLE ovo_flows (
    id       TEXT PRIMARY KEY NOT NULL,
    kind     TEXT NOT NULL,
    customer TEXT,
    state    TEXT NOT NULL,
    key_id   TEXT NOT NULL,
    secrets  BLOB NOT NULL,
    settled  BOOLEAN NOT NULL,
    wake_at  BIGINT,
    revision BIGINT NOT NULL
);
CREATE INDEX ovo_flows_unsettled ON ovo_flows (id) WHERE NOT settled;

-- Notification ids: claimed (until = claim expiry) or done (until = when it is forgotten).
CREATE TABLE ovo_dedup (
    id    TEXT PRIMARY KEY NOT NULL,
    done  BOOLEAN NOT NULL,
    until BIGINT NOT NULL
);
CREATE INDEX ovo_dedup_until ON ovo_dedup (until);

-- Leases: one holder at a time per name, until the lease ends (crash-safe locks across
-- instances: who fetches the B2B token, who refreshes a customer's tokens).
CREATE TABLE ovo_leases (
    name  TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    until BIGINT NOT NULL
);

-- The partner's B2B token, shared by every instance of one client id.
CREATE TABLE ovo_b2b_tokens (
    client_id    TEXT PRIMARY KEY NOT NULL,
    key_id       TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    usable_until BIGINT NOT NULL,
    generation   BIGINT NOT NULL
);
