-- A case's search text costs about 1 us instead of 30-150 us (issue 10,
-- search speed).
--
-- case_search_text (021) folds full-width letters and digits to ASCII with
-- translate() over a list of 62 characters. translate looks each character
-- of the text up in that list one by one: about 30 us for a case of 50
-- characters on a quiet machine, and 155 us a case under load, measured with
-- auto_explain on a search for 人民路21号 over 1,000,000 cases (333
-- candidates, each checked in case_search_text because the term holds
-- digits: 48 ms of the search's 65). Almost no text holds a full-width
-- letter or digit, and translate changes nothing in one that holds none, so
-- it runs only when the text holds one of the 62 (a regular expression over
-- exactly those characters, about 1 us). The result is the same text for
-- every input, so cases_search_day_idx (060), whose keys are made of it,
-- stays valid as it is; a new case's keys are made faster too.
CREATE OR REPLACE FUNCTION case_search_text(subject text, description text, place text,
                                            enterprise text, product text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(CASE
        WHEN concat_ws(' ', subject, description, place, enterprise, product)
             ~ '[０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ]'
        THEN translate(concat_ws(' ', subject, description, place, enterprise, product),
            '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
            '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
        ELSE concat_ws(' ', subject, description, place, enterprise, product) END);
