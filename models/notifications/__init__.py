"""Notifications: who gets a message (``recipients``) and the ledger that sends it once
(``ledger``). Delivery over Slack is sync/slack_delivery.py; each kind's sender lives in
bot/notifications/."""
