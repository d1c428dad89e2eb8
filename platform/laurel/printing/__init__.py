"""Print jobs: credentials and login sheets rendered by the printing service."""
