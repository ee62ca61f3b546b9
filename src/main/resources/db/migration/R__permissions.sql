-- The member roles each permission grants, for statements that decide access in SQL:
-- `caller_role = ANY (matic_roles('scan'))`. auth.Permission is the source of truth;
-- PermissionSqlTest holds this function equal to Permission.roles() for every permission, and
-- fails on a role list written into a statement instead. IMMUTABLE, so a call with a constant
-- is folded when the statement is planned: it costs nothing per row.
--
-- A repeatable migration: Flyway applies it again whenever its text changes.
CREATE OR REPLACE FUNCTION matic_roles(p_permission text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_permission
           WHEN 'read'           THEN ARRAY['owner', 'editor', 'scanner', 'viewer']
           WHEN 'lookup'         THEN ARRAY['owner', 'editor', 'scanner', 'viewer']
           WHEN 'snapshot'       THEN ARRAY['owner', 'editor', 'scanner', 'viewer']
           WHEN 'scan'           THEN ARRAY['owner', 'editor', 'scanner']
           WHEN 'edit'           THEN ARRAY['owner', 'editor']
           WHEN 'manage_members' THEN ARRAY['owner']
         END
$$;
