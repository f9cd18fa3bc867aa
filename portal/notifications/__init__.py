"""E-mail to a submitter when something happens to their idea (milestones), once a day."""
