-- Remote URLs are display data: a status's `url` is kept only when it is http(s) on the
-- status's own origin, and no stored link may use another scheme. Rows stored before these
-- checks existed are brought in line; identity stays with `uri`.
UPDATE statuses SET url = NULL
WHERE url IS NOT NULL
  AND (url !~* '^https?://[^/]'
       OR lower(substring(url FROM '^[a-zA-Z]+://([^/?#]+)'))
          IS DISTINCT FROM lower(substring(uri FROM '^[a-zA-Z]+://([^/?#]+)')));
UPDATE accounts SET url = NULL WHERE url IS NOT NULL AND url !~* '^https?://[^/]';

-- Lookups that the inbox and search make by these columns were sequential scans.
CREATE INDEX statuses_url_idx ON statuses (url) WHERE url IS NOT NULL;
CREATE INDEX accounts_public_key_id_idx ON accounts (public_key_id);
