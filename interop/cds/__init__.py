"""The CDS Hooks 2.0 service: JWT checks, the card, feedback."""
