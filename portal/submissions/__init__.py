"""Submissions: the initiative canvas, drafts, residents' entries, registration, receipts."""
