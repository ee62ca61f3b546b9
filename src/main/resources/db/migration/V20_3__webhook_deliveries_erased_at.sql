-- matic-scan schema: an erased webhook event stays erased (docs/security.md).
--
-- Erasing rows or a table empties their cells from the outbox and the receivers' response
-- snippets (V19_2). A delivery already on the wire at that moment still completed afterwards,
-- and its attempt stored the receiver's answer, which may echo the cells just erased. The
-- erasure now marks the delivery, and an attempt of a marked delivery keeps no response.
ALTER TABLE webhook_deliveries ADD COLUMN erased_at timestamptz;
