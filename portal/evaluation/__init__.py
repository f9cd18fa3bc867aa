"""The innovation process: initiatives and their phases (ratings, meetings and funding build on it)."""
