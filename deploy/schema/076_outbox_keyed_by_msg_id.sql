-- The outbox row's key is its msg_id, the one identity every statement on
-- the way in uses: a consumer acknowledges (deletes) a message by msg_id
-- (OUTBOX_ACK_MANY_SQL), records a refusal by it, and the relay now claims,
-- releases and prunes by it too (issue 13).
--
-- The bigserial id stays as the rows' order, which the partial indexes of
-- unsent and parked rows carry (claims go oldest first; `dubanctl outbox
-- parked` lists by it, and retry and drop name it), and as the envelope's
-- seq. Nothing looked a row up by id alone any more, so its unique index
-- was one more entry written for every message (two per case: intake's to
-- triage, triage's to dispatch), about 75 bytes of WAL each, and CPU.
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_msg_id_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_pkey PRIMARY KEY (msg_id);
