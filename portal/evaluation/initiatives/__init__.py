"""Initiatives in their portfolios, and the experts' ratings of concepts (the spider chart)."""
