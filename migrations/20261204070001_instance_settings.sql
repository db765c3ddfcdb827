-- Instance settings an administrator changed in the web admin (or API); each row wins over
-- the same key of the configuration file, which stays the default.
CREATE TABLE instance_settings (
    name       TEXT PRIMARY KEY
               CHECK (name IN ('title', 'description', 'contact_email', 'registrations')),
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
