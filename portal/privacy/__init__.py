"""Public records, the register (diarium), retention (gallring) and the data subject's rights.

- records.py: a submission as received is sealed in `submission_records`, never changed.
- register.py: the diarium listing and its exports.
- retention.py: the admin's retention rules and `flask retention run`.
- access.py and erasure.py: what the portal holds about a person (GDPR art. 15) and erasure.
"""
