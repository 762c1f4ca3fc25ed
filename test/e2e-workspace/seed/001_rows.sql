-- Deterministic rows (arithmetic on generate_series, no random()): 2,000 users, 20,000 orders.
INSERT INTO users (id, name, email, created_at)
SELECT g, 'user ' || g, 'user' || g || '@example.com', timestamptz '2022-01-01' + (g % 700) * interval '1 day'
FROM generate_series(1, 2000) AS g;

INSERT INTO orders (id, user_id, total, status, created_at)
SELECT g,
       1 + (g * 7919) % 2000,
       ((g * 37) % 50000) / 100.0,
       CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'paid' END,
       timestamptz '2023-01-01' + (g % 730) * interval '1 day'
FROM generate_series(1, 20000) AS g;

ANALYZE users;
ANALYZE orders;
