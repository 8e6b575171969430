"""Invoices in Slack: the review button and modal, and the messages that follow a check."""

from handlers.invoices.listeners import register

__all__ = ["register"]
