"""Public pages: the home page, health check, language choice, accessibility statement."""
