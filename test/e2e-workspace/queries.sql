-- The dashboard: top 100 customers by spend since 2024.
SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100;

-- A typo: this statement does not parse.
SELECT id, name FROM users WHER id = 1;
