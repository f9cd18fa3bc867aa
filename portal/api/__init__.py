"""The read-only JSON API for the parties' own follow-up, and the personal API tokens."""
