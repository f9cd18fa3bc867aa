"""Priority meetings (primöten) and the Core Team's decisions, at a meeting or outside one."""
