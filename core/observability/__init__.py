"""What the operator sees of a running bot: structured logs that name the Slack request or
the run they belong to (:mod:`.logs`), Prometheus metrics (:mod:`.metrics`) and what
``/readyz`` waits for (:mod:`.readiness`)."""
