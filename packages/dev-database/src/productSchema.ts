/**
 * The demo "product database": the tenant data the platform services query. It stands in for
 * the spec's 500 GB production instance. Everything is derived from row numbers with integer
 * hashing, so two databases seeded with the same row count on the same day hold the same rows.
 */
export const PRODUCT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  'dashboard.loaded',
  'dashboard.created',
  'query.run',
  'filter.applied',
  'export.requested',
  'user.login',
  'alert.triggered',
  'share.created',
] as const;

export const COUNTRIES = [
  'US',
  'GB',
  'DE',
  'FR',
  'NL',
  'SE',
  'CA',
  'AU',
  'JP',
  'BR',
  'IN',
  'ES',
];

export const ACCOUNT_COUNT = 40;
export const USERS_PER_ACCOUNT = 50;
export const DASHBOARDS_PER_ACCOUNT = 10;
/** Events are spread over this many days before the seeding day. */
export const EVENT_HISTORY_DAYS = 180;

const sqlList = (values: readonly string[]) =>
  `ARRAY[${values.map(v => `'${v}'`).join(',')}]`;

// Knuth's multiplicative hash keeps the generator deterministic and fast in plain SQL.
const hash = (expr: string, salt: number, modulo: number) =>
  `(((${expr})::bigint * 2654435761 + ${salt}) % ${modulo})`;

export const createSchemaSql = `
CREATE TABLE IF NOT EXISTS demo_metadata (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  plan text NOT NULL CHECK (plan IN ('enterprise', 'mid_market')),
  region text NOT NULL CHECK (region IN ('us', 'eu')),
  created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
  created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS dashboards (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  owner_id uuid NOT NULL REFERENCES users(id),
  title text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  user_id uuid,
  anonymous_id uuid,
  event_type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  country text NOT NULL,
  plan text NOT NULL,
  amount numeric(12, 2),
  properties jsonb NOT NULL,
  email text
);
`;

/**
 * Statement triggers that tell the permission service a subject changed (channel
 * `product_subjects_changed` of authz-node's `watchProductSubjects`, payload the table). Run at
 * every start (idempotent), so databases seeded before the triggers existed get them too.
 */
export const subjectChangeTriggersSql = `
CREATE OR REPLACE FUNCTION notify_product_subjects_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('product_subjects_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER accounts_subjects_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION notify_product_subjects_changed();
CREATE OR REPLACE TRIGGER users_subjects_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_product_subjects_changed();
`;

const firstNames = [
  'ana',
  'ben',
  'chen',
  'dara',
  'emil',
  'fatima',
  'gus',
  'hana',
  'ivan',
  'jo',
  'kofi',
  'lena',
  'mateo',
  'nora',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tariq',
];
const lastNames = [
  'garcia',
  'smith',
  'wang',
  'okafor',
  'muller',
  'rossi',
  'kim',
  'silva',
  'novak',
  'haddad',
  'larsen',
  'patel',
  'dubois',
  'sato',
  'moreau',
  'ivanova',
  'costa',
  'ahmed',
  'berg',
  'lopez',
];
const companyPrefixes = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Tyrell',
];
const companySuffixes = ['Analytics', 'Retail', 'Logistics', 'Health'];

/** The (PII) e-mail address of the n-th user; events repeat it without a join. */
const emailOf = (u: string) =>
  `(${sqlList(firstNames)})[1 + ${hash(u, 11, firstNames.length)}] || '.' || ` +
  `(${sqlList(lastNames)})[1 + ${hash(
    u,
    23,
    lastNames.length,
  )}] || (${u}) || '@customer' || ` +
  `(1 + ((${u}) - 1) / ${USERS_PER_ACCOUNT}) || '.example'`;

/** Deterministic uuid for the n-th entity of a kind. */
const uuidOf = (kind: string, expr: string) =>
  `md5('${kind}-' || (${expr}))::uuid`;

export const seedReferenceDataSql = `
INSERT INTO accounts (id, name, plan, region, created_at)
SELECT ${uuidOf('account', 'a')},
       (${sqlList(companyPrefixes)})[1 + (a - 1) % ${
  companyPrefixes.length
}] || ' ' ||
       (${sqlList(companySuffixes)})[1 + ((a - 1) / ${
  companyPrefixes.length
}) % ${companySuffixes.length}],
       CASE WHEN a % 3 = 1 THEN 'enterprise' ELSE 'mid_market' END,
       CASE WHEN a % 4 = 0 THEN 'eu' ELSE 'us' END,
       date_trunc('day', now()) - make_interval(days => 400 + a * 7)
FROM generate_series(1, ${ACCOUNT_COUNT}) AS a;

INSERT INTO users (id, account_id, email, full_name, role, created_at)
SELECT ${uuidOf('user', 'u')},
       ${uuidOf('account', `1 + (u - 1) / ${USERS_PER_ACCOUNT}`)},
       ${emailOf('u')},
       initcap((${sqlList(firstNames)})[1 + ${hash(
  'u',
  11,
  firstNames.length,
)}]) || ' ' ||
       initcap((${sqlList(lastNames)})[1 + ${hash('u', 23, lastNames.length)}]),
       CASE WHEN u % ${USERS_PER_ACCOUNT} = 1 THEN 'admin'
            WHEN u % 3 = 0 THEN 'viewer' ELSE 'analyst' END,
       date_trunc('day', now()) - make_interval(days => 30 + ${hash(
         'u',
         5,
         365,
       )}::int)
FROM generate_series(1, ${ACCOUNT_COUNT * USERS_PER_ACCOUNT}) AS u;

INSERT INTO dashboards (id, account_id, owner_id, title, created_at)
SELECT ${uuidOf('dashboard', 'd')},
       ${uuidOf('account', `1 + (d - 1) / ${DASHBOARDS_PER_ACCOUNT}`)},
       ${uuidOf(
         'user',
         `((d - 1) / ${DASHBOARDS_PER_ACCOUNT}) * ${USERS_PER_ACCOUNT} + 1 + ${hash(
           'd',
           3,
           USERS_PER_ACCOUNT,
         )}`,
       )},
       (ARRAY['Revenue overview','Weekly active users','Funnel','Churn watch','Campaign ROI',
              'Retention cohorts','Feature adoption','Sales pipeline','Support load','Usage by region'])
         [1 + (d - 1) % ${DASHBOARDS_PER_ACCOUNT}],
       date_trunc('day', now()) - make_interval(days => ${hash(
         'd',
         7,
         300,
       )}::int)
FROM generate_series(1, ${ACCOUNT_COUNT * DASHBOARDS_PER_ACCOUNT}) AS d;
`;

/**
 * Event rows: account chosen by hash (a few large tenants, many small ones), user within the
 * account, time spread over EVENT_HISTORY_DAYS before the seeding day, about 5% anonymous
 * (pre-login) events carrying an anonymous_id instead of a user.
 */
export function seedEventsSql(rows: number): string {
  const account = `(1 + ((${hash('e', 17, 1000)} * ${hash(
    'e',
    29,
    1000,
  )}) / 1000) * ${ACCOUNT_COUNT} / 1000)`;
  const userInAccount = hash('e', 31, USERS_PER_ACCOUNT);
  const userNumber = `((${account} - 1) * ${USERS_PER_ACCOUNT} + 1 + ${userInAccount})`;
  const anonymous = `(${hash('e', 37, 100)} < 5)`;
  return `
INSERT INTO events (id, account_id, user_id, anonymous_id, event_type, occurred_at, country, plan,
                    amount, properties, email)
SELECT ${uuidOf('event', 'e')},
       ${uuidOf('account', account)},
       CASE WHEN ${anonymous} THEN NULL ELSE ${uuidOf('user', userNumber)} END,
       CASE WHEN ${anonymous} THEN ${uuidOf(
    'anon',
    `${hash('e', 41, 20000)}`,
  )} END,
       (${sqlList(EVENT_TYPES)})[1 + ${hash('e', 43, EVENT_TYPES.length)}],
       date_trunc('day', now())
         - make_interval(secs => (${hash(
           'e',
           47,
           EVENT_HISTORY_DAYS * 86400,
         )})::double precision),
       (${sqlList(COUNTRIES)})[1 + ${hash('e', 53, COUNTRIES.length)}],
       CASE WHEN ${account} % 3 = 1 THEN 'enterprise' ELSE 'mid_market' END,
       CASE WHEN ${hash('e', 59, 10)} < 7 THEN round((${hash(
    'e',
    61,
    500000,
  )})::numeric / 100, 2) END,
       jsonb_build_object(
         'browser', (ARRAY['chrome','firefox','safari','edge'])[1 + ${hash(
           'e',
           67,
           4,
         )}],
         'duration_ms', ${hash('e', 71, 5000)},
         'dashboard_id', ${uuidOf(
           'dashboard',
           `(${account} - 1) * ${DASHBOARDS_PER_ACCOUNT} + 1 + ${hash(
             'e',
             73,
             DASHBOARDS_PER_ACCOUNT,
           )}`,
         )}
       ),
       CASE WHEN ${anonymous} THEN NULL ELSE ${emailOf(userNumber)} END
FROM generate_series(1, ${rows}) AS e;
`;
}

export const createIndexesSql = `
CREATE INDEX IF NOT EXISTS events_account_time_idx ON events (account_id, occurred_at);
CREATE INDEX IF NOT EXISTS events_account_type_time_idx ON events (account_id, event_type, occurred_at);
CREATE INDEX IF NOT EXISTS events_user_idx ON events (user_id);
CREATE INDEX IF NOT EXISTS events_anonymous_idx ON events (anonymous_id) WHERE anonymous_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_account_idx ON users (account_id);
CREATE INDEX IF NOT EXISTS dashboards_account_idx ON dashboards (account_id);
`;
