"""The node's HTTP edge: content negotiation, credentials, problem documents and request limits."""
