"""The public hub: published initiatives, their pages, the showroom and the feeds."""
