"""Public pages: the home page, health check, language choice."""
