-- Industries, inquiries and their positions. Timestamps are microseconds since the Unix epoch
-- (UTC). Columns ending in `_key` hold the lower-cased, white-space-collapsed, NFC form of
-- their text, computed by the server, so filters compare them without SQL case functions.

CREATE TABLE industries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT industries_name_key_unique UNIQUE (name_key)
);

CREATE TABLE inquiries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    -- Sanitised HTML.
    description TEXT,
    -- The title and the description's text, lower-cased: what the `q` filter searches.
    search_text TEXT NOT NULL,
    industry_id INTEGER NOT NULL REFERENCES industries (id),
    main_contact TEXT,
    company_id INTEGER REFERENCES companies (id),
    owner_id INTEGER NOT NULL REFERENCES users (id),
    stage TEXT NOT NULL CHECK (stage IN ('draft', 'pending', 'searching', 'done', 'cancelled')),
    -- The earliest start and latest end of the positions that are not cancelled, kept up to
    -- date by every write to positions so that lists can sort by them.
    job_start INTEGER,
    job_end INTEGER,
    submitted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One index per list filter and sort, each led by the company because client lists always
-- filter by it; admins' lists use the indexes that lead with the filtered column.
CREATE INDEX inquiries_company_created ON inquiries (company_id, created_at, id);
CREATE INDEX inquiries_company_title ON inquiries (company_id, title_key, id);
CREATE INDEX inquiries_company_job_start ON inquiries (company_id, job_start, id);
CREATE INDEX inquiries_company_job_end ON inquiries (company_id, job_end, id);
CREATE INDEX inquiries_company_stage ON inquiries (company_id, stage);
CREATE INDEX inquiries_company_industry ON inquiries (company_id, industry_id);
CREATE INDEX inquiries_owner ON inquiries (owner_id, company_id);
CREATE INDEX inquiries_created ON inquiries (created_at, id);
CREATE INDEX inquiries_stage ON inquiries (stage);
CREATE INDEX inquiries_industry ON inquiries (industry_id);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES inquiries (id),
    -- The position's 1-based number within its inquiry.
    counter INTEGER NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    stage TEXT NOT NULL CHECK (stage IN ('draft', 'pending', 'searching', 'done', 'cancelled')),
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('external', 'internal')),
    -- Sanitised HTML.
    description TEXT,
    language_reqs TEXT,
    language_reqs_key TEXT,
    experience_level TEXT,
    experience_level_key TEXT,
    job_start INTEGER,
    job_end INTEGER,
    location TEXT,
    location_key TEXT,
    is_remote_work TEXT CHECK (is_remote_work IN ('yes', 'no', 'partly')),
    -- A whole percent.
    allocation INTEGER CHECK (allocation BETWEEN 0 AND 100),
    -- As the client wrote it.
    budget TEXT,
    -- A JSON array of {"name", "importance"} objects.
    order_need_reqs TEXT NOT NULL,
    is_video_required BOOLEAN NOT NULL,
    cv_deadline INTEGER,
    submitted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT positions_order_counter_unique UNIQUE (order_id, counter)
);

-- Position filters of both lists; the inquiry list finds matching inquiries through them.
CREATE INDEX positions_experience_level ON positions (experience_level_key, order_id);
CREATE INDEX positions_location ON positions (location_key, order_id);
CREATE INDEX positions_language_reqs ON positions (language_reqs_key, order_id);
CREATE INDEX positions_remote_work ON positions (is_remote_work, order_id);
