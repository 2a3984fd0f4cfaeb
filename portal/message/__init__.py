"""Per-user message inbox (消息)."""
