-- Outbox message ids are time-ordered (issue 13). A random UUID (v4) put
-- each new row's entry at a random leaf of outbox_msg_id_key: once the index
-- outgrows memory every insert dirties another page, and the first change
-- of a page after each checkpoint writes the whole page to the WAL (about
-- 2.4 KB per case measured). An id that begins with the time, as UUIDv7
-- does (RFC 9562: 48 bits of Unix milliseconds, the version 7, 12 bits of
-- the millisecond's fraction, the variant and 62 random bits), puts new
-- entries at the right-hand edge of the index, on pages already dirty.
--
-- duban_msg_id() is the one generator: it is the column's default, and
-- every producer writes its rows through OUTBOX_INSERT (common/outbox.h),
-- which leaves msg_id to the default. Ids stay unique by their 62 random
-- bits; they are not promised to be monotonic across sessions, only close
-- to the order of insertion, which is all the index needs. Rows written
-- before keep their random ids: they are deleted as they age (outbox.keep_s).
CREATE FUNCTION duban_msg_id() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT encode(int8send((floor(t)::bigint << 16) | x'7000'::int
                           | floor((t - floor(t)) * 4096)::int)
                  || substring(uuid_send(gen_random_uuid()) FROM 9), 'hex')::uuid
    FROM (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t) now_ms
$$;

ALTER TABLE outbox ALTER COLUMN msg_id SET DEFAULT duban_msg_id();
