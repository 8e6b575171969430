"""The outbound notification senders: who gets which message (models/), built by the feature's
Block Kit builders (handlers/), delivered through the ledger (sync/slack_delivery.py). The CLI
(`financebot notify`) and the scheduler call the same functions."""
