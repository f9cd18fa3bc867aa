"""Accounts: users, roles, logging in and out, passwords, invitations."""
