"""Reference data: parties, focus areas and their portfolios, perspectives, goals, criteria."""
