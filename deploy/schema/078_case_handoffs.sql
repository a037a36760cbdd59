-- A case's way in hands it from stage to stage by its own state (issue 13):
-- a case in state 'received' is work for triage, one in 'triaged' work for
-- dispatch. The stage that moves it on sends its message to the next from
-- the results of its commit, and stores none: an outbox row per hop was a
-- wide insert with the message's body (the case's description again), two
-- index entries, and its acknowledgement's delete, about 500 bytes of WAL
-- per hop.
--
-- What still needs a record is that the case has not arrived yet, for the
-- message that is lost (its producer killed before the send, or its
-- consumer before the apply). No index of cases may name state (007: a
-- case's state changes are heap-only updates), so the cases between stages
-- are listed here: a row from intake's insert of the case until dispatch
-- dispatches it (or triage ends its way: merged, or left for triage by
-- hand). The producer's relay (common/handoff.c) looks here at its sweep:
-- a case still in the state it handed off from, resend_after after it got
-- there, gets its message written to the outbox, and from then on the
-- outbox re-sends it, records refusals and parks it as any message.
-- outbox_state is the state whose message it wrote, so that it writes it
-- once; NULL while the first, unstored message is the only one. since is
-- when intake took the case in (its received_at may be a letter's date,
-- past or future); triage's update of the case times its own hand-off.
--
-- Upgrade: stop intake before this migration runs (an intake of the older
-- version would insert cases without their row here) and start the new one
-- after it.
--
-- No foreign key: a row whose case is gone or past the way in is deleted
-- by the sweep, and the reference check would cost every case's insert.
CREATE TABLE case_handoffs (
    case_id bigint PRIMARY KEY,
    outbox_state text,
    since timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);

GRANT SELECT, INSERT ON case_handoffs TO duban_intake;
GRANT SELECT, UPDATE, DELETE ON case_handoffs TO duban_intake, duban_triage, duban_dispatch;

-- Cases on their way in now (their messages wait in the outbox, where the
-- relays keep sending them, so none is marked as having no message).
INSERT INTO case_handoffs (case_id, outbox_state)
SELECT id, state FROM cases WHERE state IN ('received', 'triaged');
