"""The access log of personal data, readable by the candidate it is about (授权访问消息)."""
