-- Contracts and their consultants. Timestamps are microseconds since the Unix epoch (UTC);
-- contract dates are `YYYY-MM-DD` text; amounts are exact decimal text with two decimals
-- ("150.00"), never binary floating point.

CREATE TABLE consultants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- The name lower-cased, trimmed, inner white space collapsed, NFC: what `search` matches.
    name_key TEXT NOT NULL,
    title TEXT,
    email TEXT,
    phone TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The public id as sent or generated, and its lower-cased form: unique ignoring case.
    the_contract_id TEXT NOT NULL,
    the_contract_id_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not started', 'ongoing', 'ended', 'terminated')),
    client_contract_id TEXT,
    service_code TEXT,
    work_scope TEXT,
    notice_period TEXT,
    unit TEXT,
    hour_report TEXT,
    invoicing_channel TEXT,
    client_business_id TEXT,
    client_contact TEXT,
    client_purchase_order TEXT,
    vendor_company_for_client TEXT,
    vendor_contact TEXT,
    notes TEXT,
    contract_start TEXT,
    -- NULL whenever is_infinite is set.
    contract_end TEXT,
    is_infinite INTEGER NOT NULL DEFAULT 0,
    type TEXT CHECK (type IN ('hourly', 'daily', 'monthly', 'fixed')),
    allocation INTEGER CHECK (allocation BETWEEN 0 AND 100),
    max_hours INTEGER CHECK (max_hours >= 0),
    client_price TEXT,
    vendor_price TEXT,
    vat TEXT,
    seller_id INTEGER REFERENCES users (id),
    client_company_id INTEGER NOT NULL REFERENCES companies (id),
    vendor_company_id INTEGER REFERENCES companies (id),
    consultant_id INTEGER REFERENCES consultants (id),
    -- A JSON array of strings, in the order sent.
    consult_skills TEXT NOT NULL DEFAULT '[]',
    terminated_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT contracts_the_contract_id_key_unique UNIQUE (the_contract_id_key)
);

CREATE INDEX contracts_created_at ON contracts (created_at, id);
CREATE INDEX contracts_client_company_id ON contracts (client_company_id);
CREATE INDEX contracts_vendor_company_id ON contracts (vendor_company_id);
CREATE INDEX contracts_consultant_id ON contracts (consultant_id);

-- The last number handed out in each year's generated `CNTR-<year>-<number>` ids.
CREATE TABLE contract_number_counters (
    year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);
