"""Texts an admin edits: the information to residents (GDPR art. 13) and similar."""
