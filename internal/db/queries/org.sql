-- name: CreateOrg :one
INSERT INTO orgs (id, name) VALUES ($1, $2)
RETURNING *;

-- name: GetOrg :one
SELECT * FROM orgs WHERE id = $1;
