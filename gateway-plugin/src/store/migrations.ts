/**
 * Schema migrations, in order. The database's user_version is the number of
 * migrations applied. Never edit a migration that has shipped; add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: grants, sessions, transcripts, agent state.
  `
  CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    access_level TEXT NOT NULL CHECK (access_level IN ('Diagnostics', 'DiagnosticsRepair')),
    expire_in_minutes INTEGER NOT NULL CHECK (expire_in_minutes BETWEEN 60 AND 20160),
    granted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    granted_by TEXT NOT NULL,
    terms_version TEXT NOT NULL,
    support_case_number TEXT,
    sas_ciphertext BLOB,
    ended_at INTEGER,
    end_reason TEXT CHECK (end_reason IN ('revoked', 'superseded', 'expired')),
    ended_by TEXT
  );
  -- At most one grant per cluster is open (not yet ended) at any moment.
  CREATE UNIQUE INDEX grants_one_open_per_cluster ON grants (cluster) WHERE ended_at IS NULL;
  CREATE INDEX grants_open_expiry ON grants (expires_at) WHERE ended_at IS NULL;
  CREATE INDEX grants_cluster_end ON grants (cluster, ended_at);

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    grant_id TEXT NOT NULL REFERENCES grants (id),
    engineer TEXT NOT NULL,
    support_case TEXT,
    access_level TEXT NOT NULL,
    nodes TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT,
    command_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX sessions_cluster_started ON sessions (cluster, started_at);
  CREATE INDEX sessions_open ON sessions (grant_id) WHERE ended_at IS NULL;

  CREATE TABLE transcript_entries (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    node TEXT,
    text TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (session_id, seq)
  );

  CREATE TABLE agent_nodes (
    cluster TEXT NOT NULL,
    node TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('NotInstalled', 'Installing', 'Installed', 'Removing', 'Failed')),
    version TEXT,
    detail TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (cluster, node)
  );

  CREATE TABLE agent_operations (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('install', 'remove')),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    started_by TEXT NOT NULL,
    progress TEXT NOT NULL
  );
  CREATE INDEX agent_operations_cluster ON agent_operations (cluster, started_at);
  `,
  // 2: full-text search over transcripts (FTS5, external content), kept in step by triggers.
  `
  CREATE VIRTUAL TABLE transcript_search USING fts5(text, content = 'transcript_entries', content_rowid = 'id', tokenize = 'unicode61');
  INSERT INTO transcript_search (transcript_search) VALUES ('rebuild');
  CREATE TRIGGER transcript_entries_ai AFTER INSERT ON transcript_entries BEGIN
    INSERT INTO transcript_search (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER transcript_entries_ad AFTER DELETE ON transcript_entries BEGIN
    INSERT INTO transcript_search (transcript_search, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  `,
  // 3: records you can trust. Grants and sessions carry an HMAC under the record key (record.key in the data
  // directory); a session's seal records its head (entry count, last hash); the registry lists every session
  // ever opened, so a deleted one shows. Rows older than the key are sealed once, when the key is created.
  `
  ALTER TABLE grants ADD COLUMN mac TEXT;
  ALTER TABLE sessions ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN sealed_entries INTEGER;
  ALTER TABLE sessions ADD COLUMN sealed_hash TEXT;
  ALTER TABLE sessions ADD COLUMN seal_mac TEXT;
  CREATE TABLE session_registry (
    n INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    cluster TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    purged_at INTEGER,
    mac TEXT NOT NULL
  );
  CREATE TABLE record_heads (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    mac TEXT NOT NULL
  );
  `,
  // 4: the embedded default's signed-in browser sessions. The cookie carries a secret; only its SHA-256 is kept.
  `
  CREATE TABLE admin_sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    epoch TEXT NOT NULL
  );
  CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
  `,
  // 5: who acted, by a stable id next to the display name (Entra ID's tid/oid, the machine caller, local:admin).
  // Rows written before have no id (NULL); the record seal covers the ids of rows that have them.
  `
  ALTER TABLE grants ADD COLUMN granted_by_id TEXT;
  ALTER TABLE grants ADD COLUMN ended_by_id TEXT;
  ALTER TABLE sessions ADD COLUMN engineer_id TEXT;
  ALTER TABLE sessions ADD COLUMN ended_by TEXT;
  ALTER TABLE sessions ADD COLUMN ended_by_id TEXT;
  ALTER TABLE agent_operations ADD COLUMN started_by_id TEXT;
  `,
  // 6: the retention purge runs in small batches and finds what is past the window (and a grant's sessions) by
  // index, not by a scan per batch. An expiry records when the gateway recorded it: one that came late (the
  // gateway down or busy at expires_at) says so. Rows expired before have NULL; the record seal covers it when set.
  `
  CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at IS NOT NULL;
  CREATE INDEX sessions_grant ON sessions (grant_id);
  ALTER TABLE grants ADD COLUMN expiry_recorded_at INTEGER;
  `,
  // 7: consent history is paged newest first by (granted_at, rowid); session history's index (cluster, started_at) already holds its order.
  `
  CREATE INDEX grants_cluster_granted ON grants (cluster, granted_at);
  `,
  // 8: the audit of the audit: every transcript viewed, exported or verified, and every search, with who did it.
  // Each row carries a MAC with the record key (an edit without the key shows as not intact); kept 90 days.
  `
  CREATE TABLE record_reads (
    id INTEGER PRIMARY KEY,
    cluster TEXT NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('viewed', 'exported', 'verified', 'searched')),
    by_name TEXT NOT NULL,
    by_id TEXT,
    session_id TEXT,
    detail TEXT,
    mac TEXT NOT NULL
  );
  CREATE INDEX record_reads_cluster_at ON record_reads (cluster, at);
  CREATE INDEX record_reads_session_at ON record_reads (session_id, at) WHERE session_id IS NOT NULL;
  `,
  // 9: access requests (engineers ask, admins answer), each row MAC'd with the record key; kept 90 days.
  `
  CREATE TABLE access_requests (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'extension')),
    engineer TEXT NOT NULL,
    engineer_id TEXT,
    support_case TEXT NOT NULL,
    access_level TEXT NOT NULL,
    expire_in_minutes INTEGER NOT NULL,
    nodes TEXT,
    reason TEXT NOT NULL,
    grant_id TEXT,
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'info-requested', 'scheduled', 'approved', 'denied', 'expired')),
    answered_at INTEGER,
    answered_by TEXT,
    answered_by_id TEXT,
    approved_level TEXT,
    approved_minutes INTEGER,
    start_at INTEGER,
    approved_terms TEXT,
    denial TEXT,
    messages TEXT NOT NULL,
    mac TEXT NOT NULL
  );
  CREATE INDEX access_requests_cluster_requested ON access_requests (cluster, requested_at);
  CREATE INDEX access_requests_open ON access_requests (state, expires_at) WHERE state IN ('pending', 'info-requested', 'scheduled');
  `,
  // 10: repairs wait for a live yes, and the customer's deny list (docs/repair-approval.md). A grant's repair_approval
  // is 1 or 0 on DiagnosticsRepair grants from now on (NULL before, and on Diagnostics grants); the record seal covers
  // it when set. The deny list is one row per cluster (its rules as JSON); every change to it is kept with who and when.
  // The list row carries a record-key MAC: one changed without the key refuses every command until saved again.
  `
  ALTER TABLE grants ADD COLUMN repair_approval INTEGER CHECK (repair_approval IN (0, 1));
  CREATE TABLE deny_lists (
    cluster TEXT PRIMARY KEY,
    rules TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_by_id TEXT,
    mac TEXT NOT NULL
  );
  CREATE TABLE deny_list_changes (
    id INTEGER PRIMARY KEY,
    cluster TEXT NOT NULL,
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    by_name TEXT NOT NULL,
    by_id TEXT,
    rules TEXT NOT NULL
  );
  CREATE INDEX deny_list_changes_cluster_at ON deny_list_changes (cluster, at);
  `,
  // 11: the status counts each live session's refused lines; a partial index holds only the denied entries, so the
  // count reads them alone instead of every entry of a long session.
  `
  CREATE INDEX transcript_entries_denied ON transcript_entries (session_id) WHERE kind = 'denied';
  `,
];
