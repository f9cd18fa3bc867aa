"""The board's view: inflow over time, the portfolio funnel, follow-up figures and exports."""
