-- matic-scan schema, version 3: who may touch what (docs/security.md).
--
-- Users are identified by the subject (`sub`) of their identity provider's token; the service
-- keeps no user table of its own. A user's rights in a workspace are their membership role:
--   owner   everything, including who else is a member;
--   editor  tables, rows and guest pairings;
--   scanner looks up and records scans, reads;
--   viewer  reads (rows, search, scan history, the live stream).
-- Guests hold a token for one pairing: lookups and scans on one column of one table, until
-- the pairing expires or is revoked.

CREATE TABLE workspace_members (
  workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 255),
  role         text        NOT NULL CHECK (role IN ('owner', 'editor', 'scanner', 'viewer')),
  added_by     text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_by_user ON workspace_members (user_id);

-- Who did it: a user's subject, or 'guest:<pairing id>' for a guest's scan. Nullable (and
-- without a default, so adding them rewrites nothing): rows written before version 3, or by
-- someone at a psql prompt, have no author.
ALTER TABLE workspaces ADD COLUMN created_by text;
ALTER TABLE data_tables ADD COLUMN created_by text;
ALTER TABLE table_rows ADD COLUMN created_by text;
ALTER TABLE scan_history ADD COLUMN created_by text;
ALTER TABLE scan_history ADD COLUMN pairing_id uuid;

-- A pairing lets one phone scan into one barcode column of one table without an account.
-- Its code is <selector><secret>: the selector finds the row (it is not secret), the secret
-- is kept only as its SHA-256 and compared in constant time by the service. Too many wrong
-- secrets for one selector lock the pairing.
CREATE TABLE pairings (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id    uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  table_id        uuid        NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  column_id       uuid        NOT NULL REFERENCES table_columns (id) ON DELETE CASCADE,
  selector        text        NOT NULL UNIQUE,
  secret_hash     bytea       NOT NULL,
  label           text,
  created_by      text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  revoked_at      timestamptz,
  failed_claims   integer     NOT NULL DEFAULT 0,
  claims          integer     NOT NULL DEFAULT 0,
  last_claimed_at timestamptz
);
CREATE INDEX pairings_by_table ON pairings (table_id, created_at DESC);

-- The caller's role on a table, in one place for every statement that needs it: always one row,
--   a user:  their membership role in the table's workspace; NULL when not a member (or no such
--            table);
--   a guest: 'guest:<column id>' while the pairing is live, 'ended' once it expired or was
--            revoked, NULL when the pairing is not for this table.
-- A set-returning SQL function made of one SELECT, so the planner inlines it into the calling
-- statement (used as LATERAL matic_access(...)) and probes the primary keys directly. (A scalar
-- function with sub-selects is not inlined: it would be planned again on every execution, which
-- made a lookup several times slower.)
CREATE FUNCTION matic_access(p_table uuid, p_user text, p_pairing uuid) RETURNS TABLE (role text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN p_pairing IS NOT NULL THEN
             CASE WHEN p.id IS NULL THEN NULL
                  WHEN p.revoked_at IS NULL AND p.expires_at > now() THEN 'guest:' || p.column_id
                  ELSE 'ended' END
           ELSE m.role
         END
  FROM (SELECT 1) AS one
  LEFT JOIN data_tables t ON p_pairing IS NULL AND t.id = p_table
  LEFT JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = p_user
  LEFT JOIN pairings p ON p.id = p_pairing AND p.table_id = p_table
$$;
