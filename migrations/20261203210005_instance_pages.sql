-- The instance's texts that administrators set (extended description, privacy policy) and
-- its terms of service, one version per effective date.
CREATE TABLE instance_texts (
    name       TEXT PRIMARY KEY CHECK (name IN ('extended_description', 'privacy_policy')),
    -- As the administrator wrote it, and as HTML.
    text       TEXT NOT NULL,
    content    TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE terms_of_service (
    effective_date DATE PRIMARY KEY,
    text           TEXT NOT NULL,
    content        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who signed in each week (Monday, UTC), for /api/v1/instance/activity.
CREATE TABLE login_activity (
    week    DATE NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (week, user_id)
);
