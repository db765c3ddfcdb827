-- The reading preferences /api/v1/preferences reports (Mastodon keeps them in the user's
-- web settings): how media and content warnings open, and whether GIFs play by themselves.
ALTER TABLE users
    ADD COLUMN reading_expand_media    TEXT NOT NULL DEFAULT 'default'
        CHECK (reading_expand_media IN ('default', 'show_all', 'hide_all')),
    ADD COLUMN reading_expand_spoilers BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN reading_autoplay_gifs   BOOLEAN NOT NULL DEFAULT FALSE;
