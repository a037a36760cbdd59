-- A case's search keys cost a third less (issue 13): search_bigrams (021)
-- walks the text word by word instead of character by character.
--
-- 021's loop ran three PL/pgSQL statements for every character of a case's
-- text (the test for a separator on both sides, the count, the element),
-- about 0.3 us each: the keys of a case cost more than its row and all of
-- its B-trees together, and grow with the length of the text (50 us for a
-- text of 160 characters). Now the separators are removed by one
-- regexp_split_to_array, and each word gives its bigrams in one statement
-- per bigram: substr for a short word, or the elements of the word's own
-- character array for a long one (substr finds a character of a multibyte
-- text from its start, so a long word would cost its length squared).
--
-- Measured in psql over 20,000 texts each (PostgreSQL 15, 2 cores, old and
-- new in turn): the bench's texts of 27 characters 9.5 -> 6.4 us a text;
-- texts of 160 characters 51 -> 35 us; a single word of 2,000 ideographs
-- 0.75 -> 0.38 ms.
--
-- Same keys for every text, in the same order, duplicates included, so the
-- index built with 021's function stays valid as it is (no reindex); a
-- session that loaded the old body keeps it until it reconnects.
-- tests/integration/search_pages.sh compares both over every code point and
-- the texts it seeds.
CREATE OR REPLACE FUNCTION search_bigrams(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    word text;
    chars text[];
    out text[] := '{}';
    k int := 0;
    n int;
BEGIN
    FOREACH word IN ARRAY regexp_split_to_array(t,
        '[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+') LOOP
        n := length(word) - 1;
        IF n < 1 THEN
            CONTINUE;
        ELSIF n < 32 THEN
            FOR j IN 1 .. n LOOP
                out[k + j] := substr(word, j, 2);
            END LOOP;
        ELSE
            chars := string_to_array(word, NULL);
            FOR j IN 1 .. n LOOP
                out[k + j] := chars[j] || chars[j + 1];
            END LOOP;
        END IF;
        k := k + n;
    END LOOP;
    RETURN out;
END
$$;
