-- Display names, profile field names, content warnings, poll options and alt text are plain
-- text in the client API and in ActivityStreams' `name`. Until now they were stored as escaped
-- HTML (remote ones from the sanitiser's output, local field names escaped on save), so a
-- peer's `Tom & Jerry` reached clients as `Tom &amp; Jerry`. They are stored as plain text from
-- now on; this turns what is stored back into the text it came from. The sanitiser's output
-- holds exactly these four references, and the local escaping also `&quot;` and `&#39;`.
CREATE FUNCTION pg_temp.plain(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(replace(replace(t,
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', U&'\00A0'),
        '&amp;', '&')
$$;

UPDATE accounts SET display_name = pg_temp.plain(display_name)
WHERE domain IS NOT NULL AND display_name LIKE '%&%';

UPDATE accounts SET fields = (
    SELECT jsonb_agg(
        CASE WHEN f ? 'name' THEN jsonb_set(f, '{name}', to_jsonb(pg_temp.plain(f ->> 'name')))
             ELSE f END
        ORDER BY n)
    FROM jsonb_array_elements(fields) WITH ORDINALITY AS e (f, n))
WHERE jsonb_typeof(fields) = 'array' AND jsonb_array_length(fields) > 0 AND fields::text LIKE '%&%';

UPDATE statuses SET spoiler_text = pg_temp.plain(spoiler_text)
WHERE NOT local AND spoiler_text LIKE '%&%';

UPDATE polls SET options = ARRAY(SELECT pg_temp.plain(o) FROM unnest(options) WITH ORDINALITY AS u (o, n) ORDER BY n)
WHERE account_id IN (SELECT id FROM accounts WHERE domain IS NOT NULL)
  AND array_to_string(options, ' ') LIKE '%&%';

UPDATE media_attachments SET description = pg_temp.plain(description)
WHERE remote_url IS NOT NULL AND description LIKE '%&%';
