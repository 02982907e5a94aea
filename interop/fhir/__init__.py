"""FHIR R4 resources built from the fact registry and stored rows."""
