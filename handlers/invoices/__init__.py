"""Invoices in Slack. For now the reference an approval flow carries; its listeners come next."""
