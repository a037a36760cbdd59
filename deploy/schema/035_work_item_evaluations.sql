-- Public evaluation (网上评议) of work items: 满意 / 基本满意 / 不满意 and an
-- optional comment, one per visitor, item and period (a month, China time).
-- The visitor is the HMAC of their address, the item and the period with the
-- deployment's fingerprint key: the address itself is never stored, and the
-- same visitor's evaluations of two items or two months cannot be linked.
-- An evaluation from a watched address is kept but flagged, and left out of
-- the counts, as flagged cases are left out of the figures.
CREATE TABLE work_item_evaluations (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES work_items (case_id),
    period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
    visitor text NOT NULL CHECK (visitor ~ '^[0-9a-f]{64}$'),
    rating text NOT NULL CHECK (rating IN ('satisfied', 'basically', 'dissatisfied')),
    comment text CHECK (char_length(comment) <= 300),
    flagged boolean NOT NULL DEFAULT false,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, period, visitor)
);

CREATE INDEX work_item_evaluations_at_idx ON work_item_evaluations (at) WHERE NOT flagged;

GRANT SELECT, INSERT ON work_item_evaluations TO duban_intake;
GRANT USAGE ON SEQUENCE work_item_evaluations_id_seq TO duban_intake;
GRANT SELECT ON work_item_evaluations TO duban_bulletin, duban_admin;
