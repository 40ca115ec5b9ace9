"""Getting events out of the runtime: signed webhooks from a durable outbox."""
