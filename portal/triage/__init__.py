"""Triage: process support sorts every submission into a focus-area portfolio."""
