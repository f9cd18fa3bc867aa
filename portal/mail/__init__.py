"""E-mail through a transactional outbox: stored with the change that caused it, sent after commit."""
