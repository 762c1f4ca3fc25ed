-- docs/cases.md case 1, the slow dashboard: only primary keys, as the user had them.
CREATE TABLE users (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  total numeric(10, 2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
);
