-- The fediverse account a card's page credits with `<meta name="fediverse:creator">`
-- (Mastodon 4.4). It is shown with the card only when the account's `attribution_domains`
-- allow the page's domain; a claim they do not allow yet is kept apart, to be granted when
-- the account adds the domain (as Mastodon keeps `unverified_author_account_id`).
ALTER TABLE preview_cards
    ADD COLUMN author_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    ADD COLUMN unverified_author_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;

CREATE INDEX preview_cards_author_account ON preview_cards (author_account_id)
    WHERE author_account_id IS NOT NULL;
CREATE INDEX preview_cards_unverified_author ON preview_cards (unverified_author_account_id)
    WHERE unverified_author_account_id IS NOT NULL;
