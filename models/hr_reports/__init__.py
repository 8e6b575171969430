"""HR reports: plain rules over hour entries, shared by the web panel and the CLI."""
