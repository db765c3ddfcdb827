-- Whom a bearer token speaks for is cached in each process (service::cache) like statuses and
-- accounts: a token's revocation or removal is announced as `t <token id>`. Its user and
-- account are already announced as `a <account id>` (cache_invalidation).
CREATE TRIGGER oauth_tokens_cache AFTER UPDATE OR DELETE ON oauth_tokens
    FOR EACH ROW EXECUTE FUNCTION rookery_cache_row('t');
