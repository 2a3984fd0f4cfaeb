"""Operations: backup, key rotation, image retention, health checks, demo seeding."""
