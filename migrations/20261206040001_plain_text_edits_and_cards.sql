-- What migration plain_text left escaped. Earlier versions of remote statuses (`status_edits`)
-- kept the content warnings, poll options and alt text of their time, escaped as the remote
-- status then was; and preview cards built from an oEmbed answer (`photo`, `video`, `rich`:
-- a `link` card never reads one) hold its title, author and provider name escaped. Both reach
-- clients as `&amp;`, and admin pages escape them a second time. This turns them back into the
-- text they came from, as plain_text did.
--
-- Only rows written before plain_text ran can be escaped: edits are dated by their ids (time-
-- sortable, made when the edit was stored), cards by their last fetch. A value is taken as
-- escaped only when it can be: it has an `&`, no `<` or `>` (the serialiser escapes both), and
-- each `&` starts one of the references it writes, so a CW typed as `Q&A` stays as it is.
CREATE OR REPLACE FUNCTION pg_temp.unescaped(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN t LIKE '%&%' AND t !~ '[<>]' AND t !~ '&(?!(amp|lt|gt|quot|#39|nbsp);)'
        THEN replace(replace(replace(replace(replace(replace(t,
            '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', U&'\00A0'),
            '&amp;', '&')
        ELSE t
    END
$$;

-- When plain_text ran (now, if sqlx's record of it is missing), as a time and as the first id
-- made after it.
CREATE OR REPLACE FUNCTION pg_temp.plain_since() RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT installed_on FROM _sqlx_migrations WHERE version = 20261205050001), now())
$$;

UPDATE status_edits e SET
    spoiler_text = pg_temp.unescaped(e.spoiler_text),
    poll_options = CASE WHEN e.poll_options IS NOT NULL THEN ARRAY(
                       SELECT pg_temp.unescaped(o)
                       FROM unnest(e.poll_options) WITH ORDINALITY AS u (o, n) ORDER BY n) END,
    media = (SELECT COALESCE(jsonb_agg(
                 CASE WHEN jsonb_typeof(m -> 'description') = 'string'
                      THEN jsonb_set(m, '{description}', to_jsonb(pg_temp.unescaped(m ->> 'description')))
                      ELSE m END
                 ORDER BY n), '[]'::jsonb)
             FROM jsonb_array_elements(e.media) WITH ORDINALITY AS j (m, n))
FROM statuses s
WHERE s.id = e.status_id AND NOT s.local AND jsonb_typeof(e.media) = 'array'
  AND e.id < (floor(extract(epoch FROM pg_temp.plain_since()) * 1000)::bigint << 16)
  AND (e.spoiler_text LIKE '%&%'
       OR array_to_string(e.poll_options, ' ') LIKE '%&%'
       OR e.media::text LIKE '%&%');

UPDATE preview_cards SET
    title = pg_temp.unescaped(title),
    author_name = pg_temp.unescaped(author_name),
    provider_name = pg_temp.unescaped(provider_name),
    authors = (SELECT COALESCE(jsonb_agg(
                   CASE WHEN jsonb_typeof(a -> 'name') = 'string'
                        THEN jsonb_set(a, '{name}', to_jsonb(pg_temp.unescaped(a ->> 'name')))
                        ELSE a END
                   ORDER BY n), '[]'::jsonb)
               FROM jsonb_array_elements(authors) WITH ORDINALITY AS j (a, n))
WHERE type <> 'link'
  AND fetched_at < pg_temp.plain_since()
  AND jsonb_typeof(authors) = 'array'
  AND (title LIKE '%&%' OR author_name LIKE '%&%' OR provider_name LIKE '%&%'
       OR authors::text LIKE '%&%');
