ALTER TABLE webhook_deliveries DROP COLUMN body;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_until;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret;
ALTER TABLE webhook_endpoints DROP COLUMN watchlist_id;
DROP TABLE watchlist_entries;
DROP TABLE watchlists;
