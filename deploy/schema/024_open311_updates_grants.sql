-- Who may use open311_updates (023; deploy/schema/README.md): intake
-- records an Open311 client's follow-up once and reads it back on a retry
-- and in the updates it serves.
GRANT SELECT, INSERT ON open311_updates TO duban_intake;
