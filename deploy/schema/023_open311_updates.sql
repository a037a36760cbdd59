-- Follow-ups from Open311 clients (mySociety's POST Service Request
-- Update). Each is a "followup" event on the case's timeline; this table
-- makes a client's update_id (its own id) stored once: a second post of the
-- same update_id answers the first one's event id. Written in the same
-- statement as the event (services/intake/intake_open311_update.c).
CREATE TABLE open311_updates (
    client_id bigint NOT NULL REFERENCES open311_clients (id),
    update_id text NOT NULL,
    case_id bigint NOT NULL REFERENCES cases (id),
    event_id bigint NOT NULL REFERENCES case_events (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, update_id)
);

