"""Block Kit for the scheduled notifications, one module per kind."""
