"""Administration: users and roles, parties, focus areas, perspectives."""
