"""Digital calls (utlysningar): created and published by process support, answered by staff and residents."""
