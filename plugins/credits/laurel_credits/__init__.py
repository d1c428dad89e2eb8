"""Credit ledger plugin for Laurel."""
