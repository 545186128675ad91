"""Receiving uploads: the encrypted archive, pseudonymisation at the door, receipts and the quarantine."""
