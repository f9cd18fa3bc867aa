"""Pilot money: requests, decisions within the mandates (four eyes), the innovation budget."""
